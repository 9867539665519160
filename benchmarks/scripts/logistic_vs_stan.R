# ESS per second of the multilevel logistic model with random slopes on bernoulli_sim
# (pass ~ x + z + (1 + x | school)), priors as ../shared/reference/posteriors/bernoulli_sim/case.json: normal(0, 10²) on β,
# inverse-Wishart(3, I) on the school covariance; Stan with the brms-style non-centred parameterisation (u = L z),
# 4 chains × 2,000 (1,000 warm-up), compile excluded; then glmer's Laplace fit, timed (median of 7).
# Stan 2.21 syntax (Debian's rstan; if it says 'Boost not found', Debian's r-cran-bh lacks BH/include: link it to
# /usr/include). Usage: Rscript benchmarks/scripts/logistic_vs_stan.R models/data/bernoulli_sim.csv   (rstan, lme4, posterior from Debian)
suppressMessages({ library(rstan); library(lme4); library(posterior) })
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
d$g <- as.integer(factor(d$school))
code <- "
data { int N; int J; int<lower=0, upper=1> y[N]; vector[N] x; vector[N] z; int<lower=1, upper=J> g[N]; }
parameters { vector[3] beta; cov_matrix[2] Sigma; matrix[2, J] zeta; }
transformed parameters { matrix[J, 2] u = (cholesky_decompose(Sigma) * zeta)'; }
model {
  beta ~ normal(0, 10);
  Sigma ~ inv_wishart(3, diag_matrix(rep_vector(1, 2)));
  to_vector(zeta) ~ std_normal();
  y ~ bernoulli_logit(beta[1] + beta[2] * x + beta[3] * z + u[g, 1] + u[g, 2] .* x);
}"
m <- stan_model(model_code = code)
data <- list(N = nrow(d), J = max(d$g), y = d$pass, x = d$x, z = d$z, g = d$g)
for (seed in 1:3) {
  t <- system.time(fit <- sampling(m, data = data, chains = 4, iter = 2000, warmup = 1000, seed = seed, cores = 2, refresh = 0))[["elapsed"]]
  dr <- subset_draws(as_draws_array(fit), variable = c("beta[1]", "beta[2]", "beta[3]", "Sigma[1,1]", "Sigma[2,2]", "Sigma[2,1]"))
  ess <- summarise_draws(dr, "ess_bulk")
  cat(sprintf("stan seed %d: %.2f s, min bulk-ESS %.0f (%s), min ESS/s %.1f\n", seed, t, min(ess$ess_bulk), ess$variable[which.min(ess$ess_bulk)], min(ess$ess_bulk) / t))
}
secs <- replicate(7, system.time(glmer(pass ~ x + z + (1 + x | school), data = d, family = binomial))[["elapsed"]])
cat(sprintf("glmer Laplace: median %.3f s\n", median(secs)))
