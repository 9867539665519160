# Extra checks of PSIS-LOO, WAIC and loo_compare against the R package loo 2.5.1 (Debian's r-cran-loo), on
# matrices that shared/reference/loo does not cover: an odd chain length (loo's FFT scaling M/n^2 with
# M = 1000 != n = 997), draws so autocorrelated that Geyer's sequence runs past half the chain, a single chain, a tail capped at 0.2 S, too few draws to fit a tail (k = Inf), every k
# below 0.7 (so mcse_elpd_loo is a number), and two models of the same data compared.
# The matrices are not stored: both this script and LooCasesTests.cs build them from a Park-Miller generator
# (exact integer arithmetic in doubles) and Box-Muller normals, the draws of a random-intercept model whose
# parameters follow AR(1) chains. Non-finite k (Inf) is written as null.
# Usage: Rscript loo_cases.R > loo_cases.json
suppressMessages({ library(loo); library(jsonlite) })

uniform_stream <- function(seed) {
  state <- seed
  function() { state <<- (16807 * state) %% 2147483647; state / 2147483647 }
}

# y_i = z_i + shift_i; per draw mu, log sigma and G group intercepts are AR(1) (phi) around 0 with sds
# 0.15, 0.1, 0.3; ll = log N(y_i | mu + b_g(i) [if groups], exp(log sigma)), g(i) = (i - 1) %% G + 1.
make_loglik <- function(seed, chains, iterations, n, groups, phi, shifts, use_groups = TRUE) {
  u <- uniform_stream(seed)
  normal <- function() { u1 <- u(); u2 <- u(); sqrt(-2 * log(u1)) * cos(2 * pi * u2) }
  y <- numeric(n)
  for (i in seq_len(n)) y[i] <- normal()
  y <- y + shifts
  innov <- sqrt(1 - phi * phi)
  S <- chains * iterations
  ll <- matrix(0, S, n)
  for (c in seq_len(chains)) {
    mu <- 0.15 * normal(); ls <- 0.1 * normal(); b <- numeric(groups)
    for (g in seq_len(groups)) b[g] <- 0.3 * normal()
    for (t in seq_len(iterations)) {
      if (t > 1) {
        mu <- phi * mu + innov * 0.15 * normal()
        ls <- phi * ls + innov * 0.1 * normal()
        for (g in seq_len(groups)) b[g] <- phi * b[g] + innov * 0.3 * normal()
      }
      s <- (c - 1) * iterations + t
      for (i in seq_len(n)) {
        m <- mu + if (use_groups) b[(i - 1) %% groups + 1] else 0
        z <- (y[i] - m) / exp(ls)
        ll[s, i] <- -0.5 * log(2 * pi) - ls - 0.5 * z * z
      }
    }
  }
  list(ll = ll, chain_id = rep(seq_len(chains), each = iterations))
}

cases <- list(
  list(name = "odd_length_groups", seed = 20240101, chains = 2, iterations = 997, n = 30, groups = 3, phi = 0.6,
       shifts = rep(0, 30), use_groups = TRUE),
  list(name = "odd_length_no_groups_all_k_good", seed = 20240101, chains = 2, iterations = 997, n = 30, groups = 3, phi = 0.6,
       shifts = rep(0, 30), use_groups = FALSE),
  list(name = "one_chain", seed = 7, chains = 1, iterations = 400, n = 12, groups = 2, phi = 0.3,
       shifts = c(0, 0, 0, 0, 4, rep(0, 7)), use_groups = TRUE),
  list(name = "capped_tail_outliers", seed = 99991, chains = 4, iterations = 250, n = 25, groups = 5, phi = 0.95,
       shifts = c(0, 0, 6, rep(0, 13), -8, rep(0, 8)), use_groups = TRUE),
  list(name = "slow_mixing", seed = 4242, chains = 2, iterations = 300, n = 5, groups = 1, phi = 0.995,
       shifts = rep(0, 5), use_groups = TRUE),
  list(name = "too_few_draws", seed = 12345, chains = 2, iterations = 10, n = 6, groups = 2, phi = 0.2,
       shifts = rep(0, 6), use_groups = TRUE)
)

finite_or_null <- function(x) lapply(x, function(v) if (is.finite(v)) v else NULL)
pair <- function(est, row) unname(est[row, c("Estimate", "SE")])

out <- list(loo_version = as.character(packageVersion("loo")), cases = list())
loos <- list()
for (case in cases) {
  m <- make_loglik(case$seed, case$chains, case$iterations, case$n, case$groups, case$phi, case$shifts, case$use_groups)
  r_eff <- relative_eff(exp(m$ll), chain_id = m$chain_id)
  l <- suppressWarnings(loo(m$ll, r_eff = r_eff))
  w <- suppressWarnings(waic(m$ll))
  loos[[case$name]] <- l
  out$cases[[length(out$cases) + 1]] <- c(case, list(
    elpd_loo = pair(l$estimates, "elpd_loo"), p_loo = pair(l$estimates, "p_loo"), looic = pair(l$estimates, "looic"),
    mcse_elpd_loo = if (is.na(mcse_loo(l))) NULL else mcse_loo(l),
    elpd_waic = pair(w$estimates, "elpd_waic"), p_waic = pair(w$estimates, "p_waic"), waic = pair(w$estimates, "waic"),
    r_eff = r_eff, pareto_k = finite_or_null(pareto_k_values(l)),
    pointwise_elpd_loo = unname(l$pointwise[, "elpd_loo"]), pointwise_p_loo = unname(l$pointwise[, "p_loo"]),
    pointwise_mcse_elpd_loo = finite_or_null(unname(l$pointwise[, "mcse_elpd_loo"])),
    n_eff = finite_or_null(psis_n_eff_values(l)), pointwise_p_waic = unname(w$pointwise[, "p_waic"]),
    pareto_k_counts = unname(as.vector(pareto_k_table(l)[, "Count"]))))
}
cmp <- loo_compare(loos[c("odd_length_no_groups_all_k_good", "odd_length_groups")])
out$compare <- list(models = c("odd_length_no_groups_all_k_good", "odd_length_groups"),
                    order = rownames(cmp), elpd_diff = unname(cmp[, "elpd_diff"]), se_diff = unname(cmp[, "se_diff"]))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"))
cat("\n")
