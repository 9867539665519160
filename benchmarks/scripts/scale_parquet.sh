#!/usr/bin/env bash
# Issue 16's figures at 10⁸ rows: a Parquet file of N rows (default 10⁸) × 5 columns, 10⁴ groups, written by DuckDB
# (make_big_parquet.cs; not committed, ~3 GB), then, with the command as README.md installs it (or BAYESHLM=path):
#   1. bayeshlm stats on it into a Parquet statistics file, under /usr/bin/time -v (wall, peak RSS);
#   2. bayeshlm reml --stats of that file (whole process, and the fit's own time as it reports it);
#   3. 4 chains × 2,000 Gibbs iterations from the statistics (benchmarks' --from-stats: read, REML, sample, each timed).
# Usage: benchmarks/scripts/scale_parquet.sh [DATA.parquet] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-/tmp/big8.parquet}
rows=${2:-100000000}
[ -f "$data" ] || dotnet run benchmarks/scripts/make_big_parquet.cs -- "$data" "$rows"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z "${BAYESHLM:-}" ]]; then
  install=$(grep -m1 -E '^ +dotnet publish src/BayesHlm.Cli' README.md | sed 's/^ *//; s/ -o [^ ]*/ -o '"${work//\//\\/}"'\/bin/')
  echo "building: $install"
  eval "$install" -v q >/dev/null
  BAYESHLM=$work/bin/bayeshlm
fi
formula="y ~ x + z + (1 + x | g)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $data ($(du -h "$data" | cut -f1))"
/usr/bin/time -v "$BAYESHLM" stats --data "$data" --formula "$formula" --out "$work/stats.parquet" 2>"$work/time.log"
wall=$(grep "Elapsed (wall clock)" "$work/time.log" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
kb=$(grep "Maximum resident set size" "$work/time.log" | awk '{print $NF}')
echo "stats: ${wall} s wall, $((kb / 1024)) MB peak RSS"
start=$(date +%s.%N)
"$BAYESHLM" reml --stats "$work/stats.parquet" --formula "$formula" > "$work/reml.txt"
end=$(date +%s.%N)
printf 'reml --stats: %.3f s whole process; %s\n' "$(echo "$end - $start" | bc -l)" "$(head -1 "$work/reml.txt")"
dotnet run -c Release --project benchmarks/BayesHlm.Benchmarks -- --from-stats "$work/stats.parquet"
