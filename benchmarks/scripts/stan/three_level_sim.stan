// Three-level random intercepts, y ~ x + (1 | school/classroom), marginalised: the classroom and school
// effects are integrated out analytically from per-classroom sufficient statistics (n_k, sum y, sum x), so
// NUTS samples only (beta, 1/sigma2, 1/tau2_school, 1/tau2_classroom). Priors as
// shared/reference/posteriors/three_level_sim/case.json: beta_k ~ N(0, 10^6), every precision ~ Gamma(0.001, 0.001).
// Classroom k's mean residual m_k ~ N(a_s, v_k), v_k = sigma2/n_k + tau2_2; the school effect a_s ~ N(0, tau2_1)
// integrated out gives the school's m ~ N(0, diag(v) + tau2_1 11').
// Classrooms are sorted by school: school s holds classrooms start[s] .. start[s] + len[s] - 1.
data {
  int<lower=1> N;
  int<lower=1> K;
  int<lower=1> S;
  int<lower=1> P;
  matrix[P, P] XtX;
  vector[P] Xty;
  real yty;
  vector[K] n;
  vector[K] sy;
  matrix[K, P] SX;
  int<lower=1> start[S];
  int<lower=1> len[S];
}
parameters {
  vector[P] beta;
  real<lower=0> tau_e;
  real<lower=0> tau_1;
  real<lower=0> tau_2;
}
transformed parameters {
  real sigma2 = 1 / tau_e;
  real tau2_1 = 1 / tau_1;
  real tau2_2 = 1 / tau_2;
}
model {
  vector[K] r = sy - SX * beta;
  vector[K] m = r ./ n;
  vector[K] iv = 1 ./ (sigma2 ./ n + tau2_2);
  vector[K] miv = m .* iv;
  vector[S] a;
  vector[S] b;
  real rss = yty - 2 * dot_product(beta, Xty) + quad_form(XtX, beta);
  real w = rss - dot_product(r, m);
  for (s in 1:S) {
    a[s] = sum(segment(iv, start[s], len[s]));
    b[s] = sum(segment(miv, start[s], len[s]));
  }
  beta ~ normal(0, 1000);
  tau_e ~ gamma(0.001, 0.001);
  tau_1 ~ gamma(0.001, 0.001);
  tau_2 ~ gamma(0.001, 0.001);
  target += -0.5 * ((N - K) * log(sigma2) + w / sigma2 - sum(log(iv)) + dot_product(m, miv)
                    + sum(log1p(tau2_1 * a)) - tau2_1 * sum(b .* b ./ (1 + tau2_1 * a)));
}
