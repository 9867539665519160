#!/usr/bin/env bash
# Per-sweep cost of the crossed sampler against the number of groups: factor a (the one eliminated group by group) with
# J_A groups, factor b (the dense block) with J_B groups, 5 rows per group of a, y = 1 + x + u_a + u_b + e.
# Prints J_A, J_B, rows, and the sampling stage's seconds per sweep per chain (4 chains on the machine's cores).
# Usage: benchmarks/scripts/crossed_scaling.sh [bayeshlm command]   (from the repository root, after a Release build)
set -euo pipefail
cmd=${1:-src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%8s %6s %8s %10s %12s\n' J_A J_B rows "REML s" "ms/sweep"
for ja in 1000 10000 100000; do
  for jb in 100 1000; do
    python3 - "$ja" "$jb" "$tmp/d.csv" <<'PY'
import random, sys
ja, jb, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(ja * 7 + jb)
ua = [rnd.gauss(0, 1) for _ in range(ja)]; ub = [rnd.gauss(0, 0.7) for _ in range(jb)]
with open(path, "w") as f:
    f.write("a,b,x,y\n")
    for i in range(5 * ja):
        a, b = i % ja, rnd.randrange(jb); x = rnd.gauss(0, 1)
        f.write(f"{a},{b},{x:.4f},{1 + x + ua[a] + ub[b] + rnd.gauss(0, 1):.4f}\n")
PY
    rm -rf "$tmp/run"
    out=$("$cmd" sample --data "$tmp/d.csv" --formula "y ~ x + (1 | a) + (1 | b)" --out "$tmp/run" --iter 400 --warmup 200 --quiet 2>&1)
    reml=$(grep -o 'REML [0-9.]* s' <<<"$out" | grep -o '[0-9.]*')
    sampling=$(grep -o 'sampling [0-9.]* s' <<<"$out" | grep -o '[0-9.]*')
    # 4 chains × 200 kept sweeps, run two at a time on two cores: seconds × cores / (4 × 200) per sweep.
    cores=$(nproc); per=$(python3 -c "print(f'{$sampling * min($cores, 4) / 800 * 1000:.2f}')")
    printf '%8s %6s %8s %10s %12s\n' "$ja" "$jb" "$((5 * ja))" "$reml" "$per"
  done
done
