#!/usr/bin/env bash
# Issue 5's speed figure: minimum bulk-ESS over all saved parameters per second of wall time of the whole
# `bayeshlm sample` process, HSB slopes-as-outcomes with the reference priors, 4 chains x 2000 iterations
# (1000 warm-up). Runs it N times (default 7) with different seeds and prints each run and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-7}
# Published ReadyToRun, as README.md installed the command when issue 5's figures were taken (it now installs the
# Native AOT build, which startup.sh compares with this one), so no time goes to JIT compilation.
out=$(mktemp -d)
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
dotnet publish src/BayesHlm.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$out/bin" -v q >/dev/null
rates=()
for seed in $(seq 1 "$n"); do
  start=$(date +%s.%N)
  "$out/bin/bayeshlm" sample --data models/data/hsb.csv \
    --formula "mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school)" \
    --priors ../shared/reference/posteriors/hsb_slopes_as_outcomes/case.json \
    --chains 4 --iter 2000 --warmup 1000 --seed "$seed" --out "$out/run$seed" --quiet >/dev/null
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc -l)
  minEss=$(python3 -c "import csv,sys; r=list(csv.reader(open('$out/run$seed/summary.csv'))); i=r[0].index('ess_bulk'); print(min(float(x[i]) for x in r[1:]))")
  rate=$(echo "$minEss / $wall" | bc -l)
  printf 'seed %2d  wall %.2f s  min bulk-ESS %6.0f  ESS/s %6.0f\n' "$seed" "$wall" "$minEss" "$rate"
  rates+=("$rate")
done
printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {printf "median ESS/s over %d runs: %.0f\n", NR, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
rm -rf "$out"
