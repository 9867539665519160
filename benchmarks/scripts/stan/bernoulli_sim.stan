// Logistic GLMM with random slopes, pass ~ x + z + (1 + x | school), non-centred (brms-style: u = L z), as
// benchmarks/scripts/logistic_vs_stan.R. Priors as shared/reference/posteriors/bernoulli_sim/case.json:
// beta_k ~ N(0, 10^2), Sigma_school ~ InvWishart(3, I).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=0, upper=1> y[N];
  vector[N] x;
  vector[N] z;
  int<lower=1, upper=J> g[N];
}
parameters {
  vector[3] beta;
  cov_matrix[2] Sigma;
  matrix[2, J] zeta;
}
model {
  matrix[J, 2] u = (cholesky_decompose(Sigma) * zeta)';
  beta ~ normal(0, 10);
  Sigma ~ inv_wishart(3, diag_matrix(rep_vector(1, 2)));
  to_vector(zeta) ~ std_normal();
  y ~ bernoulli_logit(beta[1] + beta[2] * x + beta[3] * z + u[g, 1] + u[g, 2] .* x);
}
