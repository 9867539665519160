# The anchors of benchmarks/compare.sh: the same models, data and priors in lme4 (REML; glmer's Laplace for the
# logistic model), JAGS (rjags, glm module, 4 chains x 2,000: 1,000 adaptation + 1,000 kept; for the --jags-noglm
# models also without the glm module, engine jags-noglm) and Stan (rstan, NUTS,
# 4 chains x 2,000 with 1,000 warm-up, 2 chains at a time), and the minimum bulk-ESS of BayesHlm's own runs, all
# computed with posterior::ess_bulk over the same parameters: the fixed effects, the random-effect variances and
# covariances, and sigma2 (none for the logistic model).
#
# Usage (from the repository root; compare.sh calls it):
#   Rscript benchmarks/scripts/compare.R --out anchors.csv [--ours ours.csv] [--runs 3] [--lme4-reps 7]
#     [--models hsb_anova,hsb_slopes_as_outcomes,three_level_sim,crossed_sim,bernoulli_sim]
#     [--engines lme4,jags,stan] [--jags-noglm hsb_slopes_as_outcomes] [--stan-cache DIR] [--compile-only]
# ours.csv: model,engine,run,seconds,dir (one row per BayesHlm run; dir holds its draws.csv).
# Every result is appended to --out as soon as it is known:
#   model,engine,run,seconds,compile_seconds,min_ess,min_ess_variable,divergences
# Timings: JAGS is the wall time of jags.model (compilation and 1,000 adaptation iterations) plus coda.samples
# (1,000 kept); Stan is the wall time of sampling() (compilation excluded, reported as compile_seconds; compiled
# models are cached in --stan-cache, and a cached model reports the compile time it took when it was built);
# lme4 is the median of --lme4-reps lmer/glmer calls in this warm session (one call first, not timed).
# Stan 2.21 syntax (Debian's rstan; if it says 'Boost not found', Debian's r-cran-bh lacks BH/include: link it
# to /usr/include).
suppressMessages({ library(posterior) })
argv <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default) {
  i <- match(paste0("--", name), argv)
  if (is.na(i)) default else argv[i + 1]
}
out <- opt("out", "anchors.csv")
ours <- opt("ours", "")
runs <- as.integer(opt("runs", "3"))
reps <- as.integer(opt("lme4-reps", "7"))
models <- strsplit(opt("models", "hsb_anova,hsb_slopes_as_outcomes,three_level_sim,crossed_sim,bernoulli_sim"), ",")[[1]]
engines <- strsplit(opt("engines", "lme4,jags,stan"), ",")[[1]]
cache <- opt("stan-cache", file.path(tempdir(), "stan"))
# Models also run in JAGS without the glm module (engine jags-noglm: every node by JAGS's default samplers).
noglm <- strsplit(opt("jags-noglm", "hsb_slopes_as_outcomes"), ",")[[1]]
here <- "benchmarks/scripts"

if (!("--compile-only" %in% argv) && !file.exists(out))
  cat("model,engine,run,seconds,compile_seconds,min_ess,min_ess_variable,divergences\n", file = out)
emit <- function(model, engine, run, seconds, compile = NA, ess = NULL, div = NA) {
  b <- as.numeric(unclass(ess$ess_bulk))
  e <- if (is.null(ess)) c(NA, "") else c(min(b), ess$variable[which.min(b)])
  cat(sprintf("%s,%s,%d,%.4f,%s,%s,\"%s\",%s\n", model, engine, run, seconds,
              ifelse(is.na(compile), "", sprintf("%.2f", compile)), ifelse(is.na(e[1]), "", sprintf("%.1f", as.numeric(e[1]))),
              e[2], ifelse(is.na(div), "", as.character(div))), file = out, append = TRUE)
  cat(sprintf("  %-24s %-8s run %d: %8.3f s%s\n", model, engine, run, seconds,
              if (is.null(ess)) "" else sprintf(", min bulk-ESS %6.0f (%s), ESS/s %8.1f", as.numeric(e[1]), e[2], as.numeric(e[1]) / seconds)),
      file = stderr())
}
ess_of <- function(draws, vars) summarise_draws(subset_draws(draws, variable = vars), "ess_bulk")

# ---- BayesHlm's draws: min bulk-ESS over every saved column (the same parameter set as below) ----
if (nzchar(ours)) {
  o <- read.csv(ours, stringsAsFactors = FALSE)
  for (k in seq_len(nrow(o))) {
    d <- read.csv(file.path(o$dir[k], "draws.csv"), check.names = FALSE)
    names(d)[1:2] <- c(".chain", ".iteration")
    dr <- as_draws_df(d)
    emit(o$model[k], o$engine[k], o$run[k], o$seconds[k], ess = summarise_draws(dr, "ess_bulk"))
  }
}

# ---- the models ----
read_model <- function(id) {
  if (id %in% c("hsb_anova", "hsb_slopes_as_outcomes")) {
    d <- read.csv("models/data/hsb.csv")
    d$cses <- d$ses - ave(d$ses, d$school)
    d$g <- as.integer(factor(d$school, levels = unique(d$school)))
    J <- max(d$g)
    if (id == "hsb_anova") {
      X <- matrix(1, nrow(d), 1)
      return(list(
        lme4 = function() lme4::lmer(mathach ~ 1 + (1 | school), data = d, REML = TRUE),
        jags = list(data = list(y = d$mathach, g = d$g, N = nrow(d), J = J), monitor = c("b0", "sigma2", "tau2")),
        stan = list(data = list(N = nrow(d), J = J, P = 1, XtX = crossprod(X), Xty = array(crossprod(X, d$mathach), dim = 1),
                                yty = sum(d$mathach^2), n = as.vector(table(d$g)), sy = as.vector(rowsum(d$mathach, d$g)),
                                SX = rowsum(X, d$g)),
                    vars = c("beta[1]", "sigma2", "tau2"))))
    }
    # The reference's marginalised model (shared/reference/posteriors/hsb_slopes_as_outcomes/model.stan) wants
    # the per-school Z'Z, Z'y and Z'X with Z = (1, cses).
    X <- cbind(1, d$meanses, d$cses, d$sector, d$meanses * d$cses, d$cses * d$sector)
    y <- d$mathach
    return(list(
      lme4 = function() lme4::lmer(mathach ~ meanses * cses + sector * cses + (1 + cses | school), data = d, REML = TRUE),
      jags = list(data = list(y = y, meanses = d$meanses, cses = d$cses, sector = d$sector, g = d$g, N = nrow(d), J = J,
                              zero = c(0, 0), R = diag(2)),
                  monitor = c("b", "sigma2", "s11", "s22", "s12")),
      stan = list(data = list(N = nrow(d), J = J, P = 6, XtX = crossprod(X), Xty = as.vector(crossprod(X, y)), yty = sum(y^2),
                              z11 = as.vector(table(d$g)), z12 = as.vector(rowsum(d$cses, d$g)), z22 = as.vector(rowsum(d$cses^2, d$g)),
                              zy1 = as.vector(rowsum(y, d$g)), zy2 = as.vector(rowsum(d$cses * y, d$g)),
                              ZX1 = rowsum(X, d$g), ZX2 = rowsum(d$cses * X, d$g),
                              beta_var = 1e6, a_e = 0.001, b_e = 0.001, nu = 3, S = diag(2), n_out = 0, out_idx = integer(0)),
                  vars = c(sprintf("beta[%d]", 1:6), "sigma2", "Sigma[1,1]", "Sigma[2,2]", "Sigma[2,1]"),
                  control = list(adapt_delta = 0.9))))
  }
  if (id == "three_level_sim") {
    d <- read.csv("models/data/three_level_sim.csv")
    d$g1 <- as.integer(factor(d$school, levels = unique(d$school)))
    cls <- paste(d$school, d$classroom, sep = ":")
    d$g2 <- as.integer(factor(cls, levels = unique(cls)))
    # Classrooms sorted by school (they are in the file), each school's classrooms contiguous.
    first <- !duplicated(d$g2)
    school_of <- d$g1[first][order(d$g2[first])]
    stopifnot(!is.unsorted(school_of))
    X <- cbind(1, d$x)
    return(list(
      lme4 = function() lme4::lmer(y ~ x + (1 | school / classroom), data = d, REML = TRUE),
      jags = list(data = list(y = d$y, x = d$x, g1 = d$g1, g2 = d$g2, N = nrow(d), J1 = max(d$g1), J2 = max(d$g2)),
                  monitor = c("b0", "b1", "sigma2", "tau2_1", "tau2_2")),
      stan = list(data = list(N = nrow(d), K = max(d$g2), S = max(d$g1), P = 2, XtX = crossprod(X), Xty = as.vector(crossprod(X, d$y)),
                              yty = sum(d$y^2), n = as.vector(table(d$g2)), sy = as.vector(rowsum(d$y, d$g2)), SX = rowsum(X, d$g2),
                              start = as.vector(match(seq_len(max(d$g1)), school_of)), len = as.vector(table(school_of))),
                  vars = c("beta[1]", "beta[2]", "sigma2", "tau2_1", "tau2_2"))))
  }
  if (id == "crossed_sim") {
    d <- read.csv("models/data/crossed_sim.csv")
    d$gs <- as.integer(factor(d$school, levels = unique(d$school)))
    d$gn <- as.integer(factor(d$neighbourhood, levels = unique(d$neighbourhood)))
    return(list(
      lme4 = function() lme4::lmer(y ~ x + (1 + x | school) + (1 | neighbourhood), data = d, REML = TRUE),
      jags = list(data = list(y = d$y, x = d$x, gs = d$gs, gn = d$gn, N = nrow(d), J = max(d$gs), K = max(d$gn),
                              zero = c(0, 0), R = diag(2)),
                  monitor = c("b0", "b1", "sigma2", "s11", "s22", "s12", "tau2_v")),
      stan = list(data = list(N = nrow(d), J = max(d$gs), K = max(d$gn), y = d$y, x = d$x, gs = d$gs, gn = d$gn),
                  vars = c("beta[1]", "beta[2]", "sigma2", "Sigma[1,1]", "Sigma[2,2]", "Sigma[2,1]", "tau2_v"))))
  }
  if (id == "bernoulli_sim") {
    d <- read.csv("models/data/bernoulli_sim.csv")
    d$g <- as.integer(factor(d$school, levels = unique(d$school)))
    return(list(
      lme4 = function() lme4::glmer(pass ~ x + z + (1 + x | school), data = d, family = binomial),
      jags = list(data = list(y = d$pass, x = d$x, z = d$z, g = d$g, N = nrow(d), J = max(d$g), zero = c(0, 0), R = diag(2)),
                  monitor = c("b0", "b1", "b2", "s11", "s22", "s12")),
      stan = list(data = list(N = nrow(d), J = max(d$g), y = d$pass, x = d$x, z = d$z, g = d$g),
                  vars = c("beta[1]", "beta[2]", "beta[3]", "Sigma[1,1]", "Sigma[2,2]", "Sigma[2,1]"))))
  }
  stop("unknown model ", id)
}

compiled <- function(id) {
  dir.create(cache, showWarnings = FALSE, recursive = TRUE)
  src <- file.path(here, "stan", paste0(id, ".stan"))
  code <- paste(readLines(src), collapse = "\n")
  key <- file.path(cache, paste0(id, "-", digest_of(code)))
  # Another process compiling the same model (key.lock) is waited for.
  while (!file.exists(paste0(key, ".seconds")) && file.exists(paste0(key, ".lock"))) Sys.sleep(2)
  if (file.exists(paste0(key, ".seconds")))
    return(list(model = readRDS(paste0(key, ".rds")), seconds = as.numeric(readLines(paste0(key, ".seconds")))))
  writeLines(as.character(Sys.getpid()), paste0(key, ".lock"))
  on.exit(unlink(paste0(key, ".lock")))
  t <- system.time(m <- rstan::stan_model(model_code = code, model_name = id))[["elapsed"]]
  saveRDS(m, paste0(key, ".rds"))
  writeLines(sprintf("%.2f", t), paste0(key, ".seconds"))
  list(model = m, seconds = t)
}
digest_of <- function(text) {
  f <- tempfile(); writeLines(text, f); on.exit(unlink(f))
  unname(tools::md5sum(f))
}

if ("--compile-only" %in% argv) {
  # Compile (and cache) the Stan models only: compare.sh runs one process per model, in parallel.
  suppressMessages(library(rstan))
  for (id in models) cat(sprintf("  %-24s stan compiled in %.1f s\n", id, compiled(id)$seconds), file = stderr())
  quit(save = "no")
}

for (id in models) {
  m <- read_model(id)
  if ("lme4" %in% engines) {
    suppressMessages(library(lme4))
    invisible(m$lme4())
    secs <- replicate(reps, system.time(m$lme4())[["elapsed"]])
    emit(id, "lme4", 1, median(secs))
  }
  jags_variants <- if (!("jags" %in% engines)) character(0) else if (id %in% noglm) c("jags", "jags-noglm") else "jags"
  for (engine in jags_variants) {
    suppressMessages(library(rjags))
    if (engine == "jags") invisible(load.module("glm", quiet = TRUE)) else invisible(unload.module("glm", quiet = TRUE))
    for (run in seq_len(runs)) {
      inits <- lapply(1:4, function(ch) list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = 1000 * run + ch))
      t <- system.time({
        jm <- jags.model(file.path(here, "jags", paste0(id, ".jags")), data = m$jags$data, inits = inits, n.chains = 4,
                         n.adapt = 1000, quiet = TRUE)
        s <- coda.samples(jm, m$jags$monitor, n.iter = 1000, progress.bar = "none")
      })[["elapsed"]]
      dr <- as_draws_array(s)
      emit(id, engine, run, t, ess = summarise_draws(dr, "ess_bulk"))
    }
  }
  if ("stan" %in% engines) {
    suppressMessages(library(rstan))
    cm <- compiled(id)
    ctl <- if (is.null(m$stan$control)) NULL else m$stan$control
    for (run in seq_len(runs)) {
      t <- system.time(fit <- rstan::sampling(cm$model, data = m$stan$data, chains = 4, iter = 2000, warmup = 1000,
                                              seed = run, cores = 2, refresh = 0, control = ctl))[["elapsed"]]
      div <- sum(sapply(rstan::get_sampler_params(fit, inc_warmup = FALSE), function(p) sum(p[, "divergent__"])))
      emit(id, "stan", run, t, compile = cm$seconds, ess = ess_of(as_draws_array(fit), m$stan$vars), div = div)
    }
  }
}
