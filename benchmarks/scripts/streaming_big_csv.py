#!/usr/bin/env python3
"""Writes the streaming-statistics benchmark data (issue 16): 10^7 rows x 5 columns
(g, x, z, w, y), 10^4 groups, random intercept and slope on x. Not committed: written
to /tmp/big.csv by default.

    python3 benchmarks/scripts/streaming_big_csv.py [/tmp/big.csv] [rows] [groups]
    /usr/bin/time -v src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm reml \
        --data /tmp/big.csv --formula "y ~ x + z + (1 + x | g)"
"""
import sys
import random

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/big.csv"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
groups = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
rng = random.Random(16)
u0 = [rng.gauss(0, 1.0) for _ in range(groups)]
u1 = [rng.gauss(0, 0.5) for _ in range(groups)]
with open(path, "w") as f:
    f.write("g,x,z,w,y\n")
    out = []
    for i in range(n):
        g = rng.randrange(groups)
        x = rng.gauss(0, 1)
        z = rng.gauss(5, 2)
        w = rng.gauss(0, 1)
        y = 1 + (0.5 + u1[g]) * x + 0.3 * z + u0[g] + rng.gauss(0, 1)
        out.append(f"{g},{x:.6f},{z:.6f},{w:.6f},{y:.6f}\n")
        if len(out) == 100_000:
            f.write("".join(out))
            out = []
    f.write("".join(out))
