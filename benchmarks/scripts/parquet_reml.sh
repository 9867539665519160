#!/usr/bin/env bash
# The Parquet source's benchmark (issue 16): bayeshlm reml on 10⁷ rows × 5 columns, 10⁴ groups, read from Parquet.
# Writes /tmp/big.parquet with DuckDB (make_big_parquet.cs) unless it exists, then runs the fit 5 times under
# /usr/bin/time -v and prints each run's wall time and peak RSS, and their medians. Not committed: the data.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-/tmp/big.parquet}
[ -f "$data" ] || dotnet run benchmarks/scripts/make_big_parquet.cs -- "$data"
dotnet build src/BayesHlm.Cli -c Release -v q -nologo >/dev/null
cli=src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm
walls=(); rss=()
for run in 1 2 3 4 5; do
  log=$(mktemp)
  /usr/bin/time -v "$cli" reml --data "$data" --formula "y ~ x + z + (1 + x | g)" >/dev/null 2>"$log"
  wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  kb=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
  rm -f "$log"
  echo "run $run: ${wall} s, $((kb / 1024)) MB"
  walls+=("$wall"); rss+=("$kb")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 3p; }
echo "median: $(median "${walls[@]}") s wall, $(( $(median "${rss[@]}") / 1024 )) MB peak RSS"
