// HSB random intercept, y = X beta + u_j + e, marginalised: the school effects u_j are integrated out
// analytically from per-group sufficient statistics (n_j, sum y, sum x), so NUTS samples only
// (beta, 1/sigma2, 1/tau2). Priors as shared/reference/posteriors/hsb_anova/case.json:
// beta_k ~ N(0, 10^6), 1/sigma2 ~ Gamma(0.001, 0.001), 1/tau2 ~ Gamma(0.001, 0.001).
// Given the school mean residual m_j = (sum y - sum x' beta)/n_j, the within part has n_j - 1 dimensions of
// variance sigma2 and m_j ~ N(0, sigma2/n_j + tau2).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1> P;
  matrix[P, P] XtX;
  vector[P] Xty;
  real yty;
  vector[J] n;
  vector[J] sy;
  matrix[J, P] SX;
}
parameters {
  vector[P] beta;
  real<lower=0> tau_e;
  real<lower=0> tau_u;
}
transformed parameters {
  real sigma2 = 1 / tau_e;
  real tau2 = 1 / tau_u;
}
model {
  vector[J] r = sy - SX * beta;
  vector[J] m = r ./ n;
  vector[J] v = sigma2 ./ n + tau2;
  real rss = yty - 2 * dot_product(beta, Xty) + quad_form(XtX, beta);
  real w = rss - dot_product(r, m);
  beta ~ normal(0, 1000);
  tau_e ~ gamma(0.001, 0.001);
  tau_u ~ gamma(0.001, 0.001);
  target += -0.5 * ((N - J) * log(sigma2) + w / sigma2 + sum(log(v)) + sum(m .* m ./ v));
}
