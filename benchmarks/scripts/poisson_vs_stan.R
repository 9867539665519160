# ESS per second of the Poisson model with an exposure on poisson_sim (events ~ w + offset(log(exposure)) + (1 | clinic)),
# priors as ../shared/reference/posteriors/poisson_sim/case.json: normal(0, 10²) on β, uniform(0, 5) on the clinic sd;
# Stan with the non-centred parameterisation (u = τ z), 4 chains × 2,000 (1,000 warm-up), compile excluded.
# Stan 2.21 syntax (Debian's rstan; if it says 'Boost not found', Debian's r-cran-bh lacks BH/include: link it to
# /usr/include). Usage: Rscript benchmarks/scripts/poisson_vs_stan.R models/data/poisson_sim.csv
suppressMessages({ library(rstan); library(posterior) })
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
d$g <- as.integer(factor(d$clinic))
code <- "
data { int N; int J; int<lower=0> y[N]; vector[N] w; vector[N] off; int<lower=1, upper=J> g[N]; }
parameters { vector[2] beta; real<lower=0, upper=5> tau; vector[J] z; }
model {
  beta ~ normal(0, 10);
  z ~ std_normal();
  y ~ poisson_log(beta[1] + beta[2] * w + off + tau * z[g]);
}
generated quantities { real tau2 = tau^2; }"
m <- stan_model(model_code = code)
data <- list(N = nrow(d), J = max(d$g), y = d$events, w = d$w, off = log(d$exposure), g = d$g)
for (seed in 1:3) {
  t <- system.time(fit <- sampling(m, data = data, chains = 4, iter = 2000, warmup = 1000, seed = seed, cores = 2, refresh = 0))[["elapsed"]]
  ess <- summarise_draws(subset_draws(as_draws_array(fit), variable = c("beta[1]", "beta[2]", "tau2")), "ess_bulk")
  cat(sprintf("stan seed %d: %.2f s, min bulk-ESS %.0f (%s), min ESS/s %.1f\n", seed, t, min(ess$ess_bulk), ess$variable[which.min(ess$ess_bulk)], min(ess$ess_bulk) / t))
}
