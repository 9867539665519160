#!/usr/bin/env bash
# What checkpoints cost the sampler, on HSB slopes-as-outcomes (4 chains, 1,000 warm-up): per iteration of a chain,
# the process's CPU time (user + system, the whole command: less disturbed than wall time on a shared machine) and
# the wall time of sampling from run.json. Compares a build without checkpoints (BASE_CLI, e.g. the Release CLI of the
# commit before them) with this build checkpointing every 10 s (the default), every second and every 10 ms; the runs
# are interleaved and the medians printed.
#   BASE_CLI=/path/to/old/bayeshlm.dll bash benchmarks/scripts/checkpoint_overhead.sh [repetitions] [iterations]
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 - "${1:-7}" "${2:-40000}" "${BASE_CLI:-}" <<'PY'
import json, os, resource, statistics, subprocess, sys, tempfile
reps, iters, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
new = "src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm.dll"
configs = ([("none", base, [])] if base else []) + [("10s", new, []), ("1s", new, ["--checkpoint-every", "1"]), ("10ms", new, ["--checkpoint-every", "0.01"])]
out = tempfile.mkdtemp()
cpu = {c[0]: [] for c in configs}; wall = {c[0]: [] for c in configs}
for _ in range(reps):
    for name, dll, extra in configs:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["dotnet", dll, "fit", "models/hsb_slopes_as_outcomes.yaml", "--iter", str(iters), "--warmup", "1000",
                        "--out", f"{out}/run", "--force", "--quiet", *extra], check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu[name].append(seconds / (4 * iters) * 1e6)
        t = json.load(open(f"{out}/run/run.json"))["timings"]
        wall[name].append(t["sampling"] / (iters - 1000) * 1e6)
subprocess.run(["rm", "-rf", out])
for name, _, _ in configs:
    print(f"{name:>5}: CPU median {statistics.median(cpu[name]):6.2f} µs per chain-iteration ({', '.join(f'{x:.2f}' for x in cpu[name])}); "
          f"sampling wall median {statistics.median(wall[name]):6.2f} µs per iteration of 4 chains")
PY
