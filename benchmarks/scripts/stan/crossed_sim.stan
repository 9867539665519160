// Crossed random effects, y ~ x + (1 + x | school) + (1 | neighbourhood), non-centred (brms-style: u = L z,
// v = sd_v * w). Priors as shared/reference/posteriors/crossed_sim/case.json: beta_k ~ N(0, 10^6),
// 1/sigma2 ~ Gamma(0.001, 0.001), Sigma_school ~ InvWishart(3, I), sd_v ~ half-Cauchy(0, 5).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1> K;
  vector[N] y;
  vector[N] x;
  int<lower=1, upper=J> gs[N];
  int<lower=1, upper=K> gn[N];
}
parameters {
  vector[2] beta;
  real<lower=0> tau_e;
  cov_matrix[2] Sigma;
  matrix[2, J] zeta;
  real<lower=0> sd_v;
  vector[K] w;
}
transformed parameters {
  real sigma2 = 1 / tau_e;
  real tau2_v = square(sd_v);
}
model {
  matrix[J, 2] u = (cholesky_decompose(Sigma) * zeta)';
  beta ~ normal(0, 1000);
  tau_e ~ gamma(0.001, 0.001);
  Sigma ~ inv_wishart(3, diag_matrix(rep_vector(1, 2)));
  sd_v ~ cauchy(0, 5);
  to_vector(zeta) ~ std_normal();
  w ~ std_normal();
  y ~ normal(beta[1] + beta[2] * x + u[gs, 1] + u[gs, 2] .* x + sd_v * w[gn], sqrt(sigma2));
}
