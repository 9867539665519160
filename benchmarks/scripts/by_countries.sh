#!/usr/bin/env bash
# Issue 15's --by figure: `bayeshlm reml --by country` on 50 simulated countries × 4,000 rows (40 schools of 100
# students each, a random intercept and slope), the BY groups fitted in parallel (the default: one per core) against
# the sequential run on the same cores (--by-parallel 1: one fit after another, each as it runs alone). Also the run
# on one core (taskset -c 0), for reference. (DOTNET_PROCESSOR_COUNT, used before, is ignored by the native build.)
# Whole processes, interleaved, N runs each (default 10); prints each run and the medians and their ratio.
# Usage: benchmarks/scripts/by_countries.sh [BAYESHLM] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm}
n=${2:-10}
data=$(mktemp -d)/countries.csv
trap 'rm -rf "$(dirname "$data")"' EXIT
python3 - "$data" <<'PY'
import random, sys
random.seed(15)
with open(sys.argv[1], "w") as f:
    f.write("country,school,x,y\n")
    for c in range(50):
        b0, b1 = random.gauss(500, 30), random.gauss(20, 5)
        for s in range(40):
            u0, u1 = random.gauss(0, 25), random.gauss(0, 6)
            for i in range(100):
                x = random.gauss(0, 1)
                f.write(f"C{c:02d},{s},{x:.5f},{b0 + u0 + (b1 + u1) * x + random.gauss(0, 50):.3f}\n")
PY
run() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
seq_t=(); par_t=(); one_t=()
for i in $(seq 1 "$n"); do
  a=$(run "$bin" reml --data "$data" --formula "y ~ x + (1 + x | school)" --by country --by-parallel 1)
  b=$(run "$bin" reml --data "$data" --formula "y ~ x + (1 + x | school)" --by country)
  c=$(run taskset -c 0 "$bin" reml --data "$data" --formula "y ~ x + (1 + x | school)" --by country)
  printf 'run %2d  sequential %.2f s  parallel %.2f s  one core %.2f s\n' "$i" "$a" "$b" "$c"
  seq_t+=("$a"); par_t+=("$b"); one_t+=("$c")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(median "${seq_t[@]}"); mp=$(median "${par_t[@]}"); m1=$(median "${one_t[@]}")
printf 'median on %d cores: sequential %.2f s, parallel %.2f s, ratio %.2f; one core %.2f s\n' "$(nproc)" "$ms" "$mp" "$(echo "$mp / $ms" | bc -l)" "$m1"
