#!/usr/bin/env bash
# Issue 15's start-up figure: the wall time of the whole `bayeshlm` process, start to exit, for three builds of
# the command — the plain build (`dotnet bayeshlm.dll`), the ReadyToRun install (framework-dependent, TieredPGO
# off) and the native one (Native AOT, README's install command) — and lme4's `lmer()` for the same fit in a warm
# R session, all in this one run on this one machine.
#
#   benchmarks/startup.sh [N]          N rounds (default 10); prints a Markdown table of medians and ranges
#   BUILDS=DIR benchmarks/startup.sh   times the builds in DIR/plain, DIR/r2r and DIR/aot (made there when absent)
#
# Ours: in each round every command runs once with each build, the builds interleaved (plain, R2R, native, plain,
# …), so a machine whose load changes during the run slows all three alike. Commands: `reml` of the HSB
# intercepts- and slopes-as-outcomes model, `fit` of it (REML, 4 chains × 2000 iterations, into a new folder each
# time), `loo` of the run it wrote, and `--help`. Times come from bash's EPOCHREALTIME (µs) around the process.
# lme4: Rscript loads lme4 and the data, makes the group-mean-centred ses, fits once to warm up, then times N calls
# of lmer(mathach ~ meanses*cses + sector*cses + (1 + cses | school)) by system.time (REML, lme4's defaults); it
# runs before ours and again after, and both medians are printed. Without R or lme4 only ours are measured.
# The three builds are published into a temporary folder first (a few minutes; the native one needs gcc or clang).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
builds_dir=${BUILDS:-$work}
mkdir -p "$builds_dir"

if [ ! -f "$builds_dir/plain/bayeshlm.dll" ] || [ ! -x "$builds_dir/r2r/bayeshlm" ] || [ ! -x "$builds_dir/aot/bayeshlm" ]; then
  echo "building the three commands into $builds_dir ..." >&2
  quiet() { "$@" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; echo "failed: $*" >&2; exit 1; }; }
  quiet dotnet build src/BayesHlm.Cli -c Release -o "$builds_dir/plain" -v q -nologo
  quiet dotnet publish src/BayesHlm.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o "$builds_dir/r2r" -v q -nologo
  quiet dotnet publish src/BayesHlm.Cli -c Release -r "$rid" -p:PublishAot=true -o "$builds_dir/aot" -v q -nologo
fi

builds=(plain r2r native)
declare -A run=(
  [plain]="dotnet $builds_dir/plain/bayeshlm.dll"
  [r2r]="$builds_dir/r2r/bayeshlm"
  [native]="$builds_dir/aot/bayeshlm"
)
declare -A label=(
  [plain]="plain build, \`dotnet bayeshlm.dll\`"
  [r2r]="ReadyToRun, TieredPGO off"
  [native]="Native AOT (README's install)"
)
model=models/hsb_slopes_as_outcomes.yaml
commands=(reml fit loo help)
declare -A shown=(
  [reml]="reml $model"
  [fit]="fit $model --out DIR --quiet"
  [loo]="loo RUN"
  [help]="--help"
)

# The run `loo` reads (any build's: the draws are the same).
${run[native]} fit "$model" --out "$work/run" --quiet >/dev/null

# lme4 in one warm R session: N timed calls after one untimed; prints "median min max" in seconds.
lme4_times() {
  Rscript --vanilla - "$n" <<'EOF'
suppressMessages(library(lme4))
n <- as.integer(commandArgs(trailingOnly = TRUE)[1])
d <- read.csv("models/data/hsb.csv")
d$cses <- d$ses - ave(d$ses, d$school)
f <- mathach ~ meanses * cses + sector * cses + (1 + cses | school)
invisible(lmer(f, data = d))
t <- replicate(n, system.time(lmer(f, data = d))[["elapsed"]])
cat(sprintf("%.4f %.4f %.4f\n", median(t), min(t), max(t)))
EOF
}
have_lme4=false
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'suppressMessages(library(lme4))' >/dev/null 2>&1; then
  have_lme4=true
else
  echo "R with lme4 not found: measuring ours only" >&2
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
$have_lme4 && { echo "lme4, $n calls ..." >&2; lme4_before=$(lme4_times); }

# One timed process; appends its wall time (s) to the array named by $1.
timed() {
  local into=$1; shift
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  eval "$into+=(\$(echo \"$t1 - $t0\" | bc -l))"
}

for b in "${builds[@]}"; do for c in "${commands[@]}"; do declare -a "t_${b}_${c}=()"; done; done
for round in $(seq 1 "$n"); do
  echo "round $round of $n ..." >&2
  for c in "${commands[@]}"; do
    for b in "${builds[@]}"; do
      # shellcheck disable=SC2086
      case $c in
        reml) timed "t_${b}_${c}" ${run[$b]} reml "$model" ;;
        fit)  rm -rf "$work/fit"; timed "t_${b}_${c}" ${run[$b]} fit "$model" --out "$work/fit" --quiet ;;
        loo)  timed "t_${b}_${c}" ${run[$b]} loo "$work/run" ;;
        help) timed "t_${b}_${c}" ${run[$b]} --help ;;
      esac
    done
  done
done

$have_lme4 && { echo "lme4 again, $n calls ..." >&2; lme4_after=$(lme4_times); }
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# "median [min, max]" of the seconds given, in seconds with 3 decimals.
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=(NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); printf "%.3f [%.3f, %.3f]", m, a[1], a[NR]}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.4f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -sr);"
echo "load average $load_before at the start, $load_after at the end. $n runs each, median [min, max], seconds."
echo
printf '| command |'; for b in "${builds[@]}"; do printf ' %s |' "${label[$b]}"; done; echo
printf '| --- |'; for b in "${builds[@]}"; do printf ' ---: |'; done; echo
for c in "${commands[@]}"; do
  printf '| `bayeshlm %s` |' "${shown[$c]}"
  for b in "${builds[@]}"; do eval "v=(\"\${t_${b}_${c}[@]}\")"; printf ' %s |' "$(stats "${v[@]}")"; done
  echo
done
if $have_lme4; then
  read -r lb_med lb_min lb_max <<<"$lme4_before"
  read -r la_med la_min la_max <<<"$lme4_after"
  echo
  printf 'lme4 %s, `lmer()` of the same model in a warm R session: median %.3f s [%.3f, %.3f] before ours,\n' \
    "$(Rscript -e 'cat(format(packageVersion("lme4")))' 2>/dev/null)" "$lb_med" "$lb_min" "$lb_max"
  printf '%.3f s [%.3f, %.3f] after.\n' "$la_med" "$la_min" "$la_max"
  eval "v=(\"\${t_native_reml[@]}\")"
  ours=$(median "${v[@]}")
  lme4=$(printf '%s\n' "$lb_med" "$la_med" | sort -g | head -1)
  printf 'Native `bayeshlm reml` whole process / lme4 lmer() call: %.4f / %.4f = %.3f (the faster of lme4'"'"'s two medians).\n' \
    "$ours" "$lme4" "$(echo "$ours / $lme4" | bc -l)"
fi
