#!/usr/bin/env bash
# Issues 5 and 15's speed figure: minimum bulk-ESS over all saved parameters (fixed effects, sigma2, the school
# covariance matrix) per second of wall time of the whole `bayeshlm sample` process, HSB slopes-as-outcomes with the
# reference priors, 4 chains x 2000 iterations (1000 warm-up), the command built as README.md installs it. Runs it
# N times (default 7, seeds 1..N) and prints each run and the median; where R with rstan, rjags and posterior is
# installed, also the marginalised Stan model (shared/reference/posteriors/hsb_slopes_as_outcomes/model.stan, compile
# time excluded) and plain JAGS (the centred model, glm module), ANCHOR_RUNS times each (default 3), with the same
# min bulk-ESS from R's posterior for all three, and the ratios (issue 15: >= 10x Stan, >= 1,000x JAGS).
# It is benchmarks/compare.sh restricted to this model, printing only (nothing written to benchmarks/results/).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7} ANCHOR_RUNS=${ANCHOR_RUNS:-3} MODELS=hsb_slopes_as_outcomes ENGINES=jags,stan REML_RUNS=0 RESULTS= \
  exec benchmarks/compare.sh
