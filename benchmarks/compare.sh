#!/usr/bin/env bash
# Benchmark suite against the anchors (issue 16, item 6). The same models, data and priors in BayesHlm (the
# installed command, whole process) and, where R with lme4, rjags and rstan is installed (Debian's r-cran-lme4,
# jags, r-cran-rjags, r-cran-rstan, r-cran-posterior), in lme4 (REML; glmer's Laplace fit for the logistic model),
# JAGS (4 chains x 2,000) and Stan (4 x 2,000, 1,000 warm-up), in one run; prints one table (time, min bulk-ESS,
# ESS/s, ratios), and writes benchmarks/results/compare.csv (medians), compare_runs.csv (every run), Compare.md
# (the table and the machine) and compare.png (the chart in README.md). Without R it says so and runs ours only.
#
# Min bulk-ESS: over the fixed effects, the random-effect variances and covariances, and sigma2 (what BayesHlm
# saves by default), computed with R's posterior package for every engine (without R: BayesHlm's own summary.csv,
# the same method). ESS/s: min bulk-ESS / wall seconds of the run; BayesHlm's seconds are the whole process
# (reading the CSV, REML start, warm-up, sampling, summary, writing the run), JAGS's jags.model + coda.samples, Stan's
# sampling() without compilation (reported apart). Medians over the runs (seeds 1..RUNS).
#
# Usage: benchmarks/compare.sh            (from anywhere; ≈ 10-15 min on 2 cores with the defaults)
# Environment:
#   RUNS=3            BayesHlm runs (seeds) per model; ANCHOR_RUNS (default RUNS) JAGS and Stan runs per model
#   REML_RUNS=5       bayeshlm reml processes per model; LME4_REPS=7 lmer calls per model (warm session)
#   MODELS=hsb_anova,hsb_slopes_as_outcomes,three_level_sim,crossed_sim,bernoulli_sim
#   ENGINES=lme4,jags,stan   the anchors to run (BayesHlm always runs)
#   BAYESHLM=path     time this installed bayeshlm instead of building one
#   INSTALL="dotnet publish ..."  how to build it (default: README.md's install line, its -o DIR replaced by a
#                     temporary folder and its -r by this machine's runtime identifier)
#   REFERENCE=../shared/reference/posteriors   the cases' case.json (priors)
#   RESULTS=benchmarks/results   where the results go (RESULTS= (empty): print only); CHART=0: no PNG
#   STAN_CACHE=~/.cache/bayeshlm-compare/stan   compiled Stan models, kept between runs
#   ANCHORS_PARALLEL=1   run lme4, JAGS and Stan as three R processes at once (default 0: one after another);
#                     the Stan models are then compiled by the Stan process, one after another, as it needs them
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
ANCHOR_RUNS=${ANCHOR_RUNS:-$RUNS}
REML_RUNS=${REML_RUNS:-5}
LME4_REPS=${LME4_REPS:-7}
MODELS=${MODELS:-hsb_anova,hsb_slopes_as_outcomes,three_level_sim,crossed_sim,bernoulli_sim}
ENGINES=${ENGINES:-lme4,jags,stan}
REFERENCE=${REFERENCE:-../shared/reference/posteriors}
RESULTS=${RESULTS-benchmarks/results}
CHART=${CHART:-1}
ANCHORS_PARALLEL=${ANCHORS_PARALLEL:-0}
STAN_CACHE=${STAN_CACHE:-$HOME/.cache/bayeshlm-compare/stan}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- BayesHlm as installed ----
if [[ -z "${BAYESHLM:-}" ]]; then
  rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
  if [[ -z "${INSTALL:-}" ]]; then
    INSTALL=$(grep -m1 -E '^ +dotnet publish src/BayesHlm.Cli' README.md | sed 's/^ *//')
    [[ -n "$INSTALL" ]] || { echo "compare.sh: no 'dotnet publish src/BayesHlm.Cli' line in README.md; set INSTALL or BAYESHLM" >&2; exit 1; }
  fi
  INSTALL=$(sed -E "s#-o +[^ ]+#-o $work/bin#; s#-r +[^ ]+#-r $rid#" <<<"$INSTALL")
  echo "Building BayesHlm as README.md installs it: $INSTALL" >&2
  eval "$INSTALL -v q" >/dev/null
  BAYESHLM=$work/bin/bayeshlm
fi
[[ -x "$BAYESHLM" ]] || { echo "compare.sh: $BAYESHLM is not an executable" >&2; exit 1; }

have_r=0
if command -v Rscript >/dev/null && Rscript -e 'suppressMessages({library(lme4); library(rjags); library(rstan); library(posterior)})' >/dev/null 2>&1; then
  have_r=1
  if [[ ",$ENGINES," == *,stan,* && $ANCHORS_PARALLEL != 1 ]]; then
    # Compile the Stan models first, one process each (cached in STAN_CACHE; minutes each the first time), so that
    # no compiler runs beside a timed run.
    echo "Compiling the Stan models (cached in $STAN_CACHE)" >&2
    for id in ${MODELS//,/ }; do
      Rscript benchmarks/scripts/compare.R --compile-only --models "$id" --stan-cache "$STAN_CACHE" &
    done
    wait
  fi
fi

# ---- the models: id;data;formula;extra options ----
model_line() {
  case $1 in
    hsb_anova) echo "models/data/hsb.csv;mathach ~ 1 + (1 | school);" ;;
    hsb_slopes_as_outcomes) echo "models/data/hsb.csv;mathach ~ meanses * center(ses, school) + sector * center(ses, school) + (1 + center(ses, school) | school);" ;;
    three_level_sim) echo "models/data/three_level_sim.csv;y ~ x + (1 | school/classroom);" ;;
    crossed_sim) echo "models/data/crossed_sim.csv;y ~ x + (1 + x | school) + (1 | neighbourhood);" ;;
    bernoulli_sim) echo "models/data/bernoulli_sim.csv;pass ~ x + z + (1 + x | school);--family bernoulli" ;;
    *) echo "compare.sh: unknown model $1" >&2; exit 1 ;;
  esac
}

now() { date +%s.%N; }
echo "model,engine,run,seconds,compile_seconds,min_ess,min_ess_variable,divergences" >"$work/raw.csv"
echo "model,engine,run,seconds,dir" >"$work/ours.csv"
IFS=',' read -ra model_ids <<<"$MODELS"
for id in "${model_ids[@]}"; do
  IFS=';' read -r data formula extra <<<"$(model_line "$id")"
  # shellcheck disable=SC2086
  for run in $(seq 1 "$RUNS"); do
    dir=$work/runs/$id-$run
    start=$(now)
    "$BAYESHLM" sample --data "$data" --formula "$formula" $extra --priors "$REFERENCE/$id/case.json" \
      --chains 4 --iter 2000 --warmup 1000 --seed "$run" --out "$dir" --quiet >/dev/null
    end=$(now)
    secs=$(echo "$end - $start" | bc -l)
    echo "$id,bayeshlm,$run,$secs,$dir" >>"$work/ours.csv"
    printf '  %-24s %-8s run %d: %8.3f s\n' "$id" bayeshlm "$run" "$secs" >&2
  done
  for run in $(seq 1 "$REML_RUNS"); do
    start=$(now)
    "$BAYESHLM" reml --data "$data" --formula "$formula" $extra >/dev/null
    end=$(now)
    secs=$(echo "$end - $start" | bc -l)
    echo "$id,bayeshlm-reml,$run,$secs,,,\"\"," >>"$work/raw.csv"
  done
done

if [[ $have_r == 1 ]]; then
  Rscript benchmarks/scripts/compare.R --out "$work/raw.csv" --ours "$work/ours.csv" --engines none
  if [[ $ANCHORS_PARALLEL == 1 ]]; then
    # One R process per anchor engine, at the same time (for a machine already shared with other work, where the
    # wall time of the whole suite matters more than one more process beside each timed run).
    for engine in ${ENGINES//,/ }; do
      Rscript benchmarks/scripts/compare.R --out "$work/raw-$engine.csv" --runs "$ANCHOR_RUNS" --lme4-reps "$LME4_REPS" \
        --models "$MODELS" --engines "$engine" --stan-cache "$STAN_CACHE" &
    done
    wait
    for engine in ${ENGINES//,/ }; do tail -n +2 "$work/raw-$engine.csv" >>"$work/raw.csv"; done
  else
    Rscript benchmarks/scripts/compare.R --out "$work/raw.csv" --runs "$ANCHOR_RUNS" --lme4-reps "$LME4_REPS" \
      --models "$MODELS" --engines "$ENGINES" --stan-cache "$STAN_CACHE"
  fi
else
  echo "compare.sh: R with lme4, rjags, rstan and posterior is not installed (apt-get install r-cran-lme4 jags r-cran-rjags r-cran-rstan r-cran-posterior): BayesHlm only, its ESS from its own summary.csv" >&2
  python3 - "$work/ours.csv" "$work/raw.csv" <<'EOF'
import csv, sys
with open(sys.argv[2], "a", newline="") as f:
    w = csv.writer(f)
    for r in csv.DictReader(open(sys.argv[1])):
        s = list(csv.reader(open(r["dir"] + "/summary.csv")))
        i = s[0].index("ess_bulk")
        ess, var = min((float(x[i]), x[0]) for x in s[1:])
        w.writerow([r["model"], r["engine"], r["run"], r["seconds"], "", f"{ess:.1f}", var, ""])
EOF
fi

# ---- the machine ----
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
versions="BayesHlm $(git rev-parse --short HEAD 2>/dev/null || echo '?'), .NET $(dotnet --version 2>/dev/null || echo '?')"
if [[ $have_r == 1 ]]; then
  versions="$versions, $(Rscript -e 'cat(sprintf("%s, lme4 %s, JAGS %s (rjags %s), Stan %s (rstan %s), posterior %s", R.version.string, packageVersion("lme4"), suppressMessages(rjags::jags.version()), packageVersion("rjags"), rstan::stan_version(), packageVersion("rstan"), packageVersion("posterior")))' 2>/dev/null)"
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/raw.csv" "${RESULTS:-}" "$cpu" "$cores" "$versions" "$load" "$RUNS" "$ANCHOR_RUNS" "$REML_RUNS" "$LME4_REPS" "$ANCHORS_PARALLEL" "${INSTALL:-$BAYESHLM (given as BAYESHLM)}" <<'EOF'
import csv, statistics, sys, os, datetime
raw, results, cpu, cores, versions, load, runs, anchor_runs, reml_runs, lme4_reps, parallel, install = sys.argv[1:13]
rows = list(csv.DictReader(open(raw)))
order_models = []
for r in rows:
    if r["model"] not in order_models: order_models.append(r["model"])
engines = ["bayeshlm", "stan", "jags", "jags-noglm", "bayeshlm-reml", "lme4"]
med = lambda xs: statistics.median(xs) if xs else None
summary = []
for m in order_models:
    for e in engines:
        rs = [r for r in rows if r["model"] == m and r["engine"] == e]
        if not rs: continue
        secs = med([float(r["seconds"]) for r in rs])
        ess = [float(r["min_ess"]) for r in rs if r["min_ess"]]
        rate = med([float(r["min_ess"]) / float(r["seconds"]) for r in rs if r["min_ess"]])
        comp = med([float(r["compile_seconds"]) for r in rs if r["compile_seconds"]])
        div = sum(int(r["divergences"]) for r in rs if r["divergences"])
        lowest = statistics.mode([r["min_ess_variable"] for r in rs]) if ess else ""
        summary.append(dict(model=m, engine=e, runs=len(rs), seconds=secs, compile_seconds=comp, min_ess=med(ess),
                            min_ess_variable=lowest, ess_per_second=rate, divergences=div if e == "stan" else None))
def get(m, e, k):
    for s in summary:
        if s["model"] == m and s["engine"] == e: return s[k]
for s in summary:
    ours_rate = get(s["model"], "bayeshlm", "ess_per_second")
    if s["engine"] in ("stan", "jags", "jags-noglm") and s["ess_per_second"] and ours_rate:
        s["ratio"] = ours_rate / s["ess_per_second"]          # BayesHlm's ESS/s over theirs
    elif s["engine"] == "lme4" and get(s["model"], "bayeshlm-reml", "seconds"):
        s["ratio"] = s["seconds"] / get(s["model"], "bayeshlm-reml", "seconds")  # lme4's time over bayeshlm reml's
    else:
        s["ratio"] = None
fmt = lambda v, f: "" if v is None else format(v, f)
header = ["model", "engine", "runs", "seconds", "compile s", "min bulk-ESS", "lowest", "ESS/s", "ratio"]
lines = []
for s in summary:
    lines.append([s["model"], s["engine"] + (" (Laplace)" if s["engine"] == "lme4" and s["model"] == "bernoulli_sim" else ""),
                  str(s["runs"]), fmt(s["seconds"], ".3f"), fmt(s["compile_seconds"], ".1f"), fmt(s["min_ess"], ".0f"),
                  s["min_ess_variable"], fmt(s["ess_per_second"], ".1f"), fmt(s["ratio"], ".1f") + ("×" if s["ratio"] else "")])
widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(header)]
def text_row(cells): return "  ".join(c.ljust(w) if i in (0, 1, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
print(text_row(header)); print("  ".join("-" * w for w in widths))
for l in lines: print(text_row(l))
print("ratio: for stan and jags (jags-noglm: without the glm module), BayesHlm's ESS/s over theirs; for lme4, lme4's seconds over bayeshlm reml's (whole process).")
a = [s for s in summary if s["model"] == "hsb_slopes_as_outcomes" and s["engine"] in ("stan", "jags", "jags-noglm") and s["ratio"]]
claims = []
for s in a:
    need = 10 if s["engine"] == "stan" else 1000
    what = {"stan": "the marginalised Stan model", "jags": "JAGS (centred model, glm module)", "jags-noglm": "JAGS (centred model, no glm module)"}[s["engine"]]
    claims.append(f"Issue 15, HSB slopes-as-outcomes: BayesHlm's min bulk-ESS/s is {s['ratio']:.1f}× {what}'s (needed ≥ {need}×: {'met' if s['ratio'] >= need else 'NOT met'}).")
for c in claims: print(c)
print(f"Machine: {cpu}, {cores} cores; load average at the end {load}; {versions}")
if not results: sys.exit(0)
os.makedirs(results, exist_ok=True)
with open(os.path.join(results, "compare.csv"), "w", newline="") as f:
    w = csv.writer(f)
    keys = ["model", "engine", "runs", "seconds", "compile_seconds", "min_ess", "min_ess_variable", "ess_per_second", "ratio", "divergences"]
    w.writerow(keys)
    for s in summary:
        w.writerow(["" if s[k] is None else (f"{s[k]:.4g}" if isinstance(s[k], float) else s[k]) for k in keys])
with open(os.path.join(results, "compare_runs.csv"), "w") as f:
    f.write(open(raw).read())
with open(os.path.join(results, "Compare.md"), "w") as f:
    f.write("# BayesHlm against lme4, JAGS and Stan (`benchmarks/compare.sh`)\n\n")
    f.write(f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {cpu}, {cores} cores (load average at the end: {load}).  \n{versions}.  \n")
    f.write(f"BayesHlm built by `{install}`.\n\n")
    if parallel == "1":
        f.write("lme4, JAGS and Stan ran as three R processes at the same time (ANCHORS_PARALLEL=1), after BayesHlm's runs.\n\n")
    f.write(f"Medians over {runs} BayesHlm runs (seeds 1..{runs}), {anchor_runs} JAGS and Stan runs, {reml_runs} `bayeshlm reml` processes and {lme4_reps} lme4 calls per model. "
            "Every sampler: 4 chains × 2,000 iterations, 1,000 of them warm-up (JAGS: 1,000 adaptation iterations in `jags.model`, glm module). "
            "Min bulk-ESS over the fixed effects, the random-effect variances and covariances and σ² (none for the logistic model), "
            "computed with R's posterior package for every engine. Seconds: BayesHlm's whole `bayeshlm sample` process (reading the CSV to writing the run); "
            "JAGS's `jags.model` + `coda.samples`; Stan's `sampling()` (4 chains, 2 at a time), its compilation excluded and shown apart; "
            "lme4 one `lmer` call (REML; `glmer`'s Laplace fit for the logistic model) in a warm R session against the whole `bayeshlm reml` process. "
            "jags-noglm: the same JAGS model without the glm module (JAGS's default samplers). ratio: BayesHlm's ESS/s over the engine's (Stan, JAGS), or lme4's seconds over `bayeshlm reml`'s.\n\n")
    f.write("Stan formulations: `hsb_anova`, `hsb_slopes_as_outcomes` (the reference's model, adapt_delta 0.9) and `three_level_sim` with every random effect integrated out "
            "analytically (NUTS on the fixed effects and variance parameters only: the best Stan can do for these Gaussian models); `crossed_sim` and `bernoulli_sim` non-centred "
            "(u = L z). JAGS: the centred models of `shared/reference/posteriors` (`benchmarks/scripts/jags/`).\n\n")
    f.write("| " + " | ".join(header) + " |\n|" + "|".join("---" if i in (0, 1, 6) else "---:" for i in range(len(header))) + "|\n")
    for l in lines: f.write("| " + " | ".join(c if c else " " for c in l) + " |\n")
    f.write("\n" + "\n".join(claims) + "\n\n![ESS per second](compare.png)\n\nEvery run: [`compare_runs.csv`](compare_runs.csv).\n")
print(f"Written: {results}/compare.csv, compare_runs.csv, Compare.md")
EOF

if [[ -n "$RESULTS" && "$CHART" == 1 ]]; then
  dotnet run -c Release --project benchmarks/BayesHlm.Benchmarks -v q -- --chart "$RESULTS/compare.csv" "$RESULTS/compare.png"
fi
