# Refits ../shared/reference/glmm's cases with glmer at tight tolerances (PIRLS 1e-12, bobyqa to 1e-12): glmer's
# defaults stop a few 1e-4 short in -2 log L on the Laplace cases, and its SEs there are off by up to 0.5%.
# Also times glmer's default fit (median of 7) for the speed comparison.
# Usage: Rscript glmer_tight.R ../../../../../shared/reference/glmm > glmer_tight.json   (lme4 from Debian's r-cran-lme4)
suppressMessages({ library(lme4); library(jsonlite) })
dir <- commandArgs(trailingOnly = TRUE)[1]
out <- list()
for (f in sort(list.files(dir, pattern = "\\.json$", full.names = TRUE))) {
  case <- fromJSON(f)
  d <- read.csv(normalizePath(file.path(dir, "..", case$data)))
  fam <- if (case$family == "poisson") poisson else binomial
  form <- as.formula(case$lme4_formula)
  tight <- glmerControl(tolPwrss = 1e-12, optimizer = "bobyqa",
                        optCtrl = list(rhobeg = 2e-3, rhoend = 1e-12, maxfun = 1e5))
  m <- glmer(form, data = d, family = fam, nAGQ = case$nAGQ, control = tight)
  secs <- replicate(7, system.time(glmer(form, data = d, family = fam, nAGQ = case$nAGQ))[["elapsed"]])
  vc <- as.data.frame(VarCorr(m))
  out[[case$id]] <- list(
    minus2ll = -2 * as.numeric(logLik(m)),
    fixed = setNames(as.list(fixef(m)), names(fixef(m))),
    se = setNames(as.list(sqrt(diag(as.matrix(vcov(m))))), names(fixef(m))),
    covariance = lapply(seq_len(nrow(vc)), function(i) list(group = vc$grp[i], term1 = vc$var1[i],
                        term2 = if (is.na(vc$var2[i])) NULL else vc$var2[i], estimate = vc$vcov[i])),
    glmer_default_seconds_median = median(secs))
}
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"))
