#!/usr/bin/env bash
# Fingerprints of the sampler's output (sha256 of draws.csv, summary.csv and compare.csv) on every model file, every nested
# reference case and every prior kind, for a fixed seed. Run it before and after a change that must not move a
# draw (a refactor), and diff the two outputs:
#   bash benchmarks/scripts/draws_fingerprint.sh > before.txt   # ... change ...
#   bash benchmarks/scripts/draws_fingerprint.sh > after.txt && diff before.txt after.txt
# Needs the Release build of the CLI and ../shared/reference beside the clone.
set -euo pipefail
cd "$(dirname "$0")/../.."
cli="dotnet src/BayesHlm.Cli/bin/Release/net10.0/bayeshlm.dll"
ref=../shared/reference/posteriors
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
short=(--iter 400 --warmup 200 --seed 11 --quiet)

print() { # name dir: draws, summary, and the comparison with REML (compare.csv)
  $cli compare "$2" > /dev/null
  local h=()
  for f in draws.csv summary.csv compare.csv; do h+=("$(sha256sum < "$2/$f" | cut -c1-16)"); done
  printf '%-24s %s %s %s\n' "$1" "${h[@]}"
}
sample() { # name data formula priors [more args...]
  local name=$1 data=$2 formula=$3 priors=$4; shift 4
  local args=(sample --data "$data" --formula "$formula" --out "$out/$name" "${short[@]}")
  [ -n "$priors" ] && args+=(--priors "$priors")
  $cli "${args[@]}" "$@" > /dev/null
  print "$name" "$out/$name"
}
priors() { # name json -> path
  printf '%s' "$2" > "$out/$1.json"; echo "$out/$1.json"
}

for m in models/*.yaml; do
  n=$(basename "$m" .yaml)
  $cli fit "$m" --out "$out/model_$n" "${short[@]}" > /dev/null
  print "model:$n" "$out/model_$n"
done

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
for c in dyes_third_level hsb_anova hsb_slopes_as_outcomes hsb_slopes_halfcauchy rats three_level_sim; do
  sample "case:$c" "$ref/$c/$(field "$ref/$c/case.json" data)" "$(field "$ref/$c/case.json" formula)" "$ref/$c/case.json"
done
sample "case:eight_schools" "$ref/eight_schools/data.csv" "y ~ 1 + (1 | school)" "$ref/eight_schools/case.json" --known-sd sigma

hsb=models/data/hsb.csv
slopes="mathach ~ meanses + center(ses, school) + (1 + center(ses, school) | school)"
sample "default:slopes" $hsb "$slopes" ""
sample "default:slopes+u" $hsb "$slopes" "" --save-group-effects --thin 2
sample "default:indep" $hsb "mathach ~ ses + (1 + ses || school)" ""
sample "lkj:indep" $hsb "mathach ~ ses + (1 + ses || school)" \
  "$(priors lkji '{"group:school":{"dist":"lkj_half_t","eta":2,"df":4,"scales":[3,1]}}')"
sample "uniform" $hsb "mathach ~ ses + (1 | school)" \
  "$(priors uni '{"residual":{"dist":"uniform_sd","upper":20},"group:school":{"dist":"uniform_sd","upper":10}}')"
sample "halft+invgamma" $hsb "mathach ~ ses + (1 | school)" \
  "$(priors ht '{"residual":{"dist":"inv_gamma_variance","shape":2,"scale":40},"group:school":{"dist":"half_t_sd","df":5,"scale":2}}')"
sample "gammarate" $hsb "mathach ~ ses + (1 | school)" \
  "$(priors gr '{"group:school":{"dist":"gamma_precision","shape":2,"rate":{"dist":"gamma","shape":2,"rate":3}}}')"
sample "iw+terms+block" $hsb "mathach ~ meanses + sector + ses + (1 + ses | school)" \
  "$(priors iwb '{"fixed:ses":{"dist":"normal","mean":2,"variance":4},"fixed_block":{"dist":"mv_normal","terms":["meanses","sector"],"mean":[0,0],"covariance":[[10,2],[2,10]]},"group:school":{"dist":"inv_wishart","df":4,"scale":[[5,0],[0,1]]}}')"
sample "hierarchy:gamma" $hsb "mathach ~ meanses + sector + ses + (1 | school)" \
  "$(priors hg '{"fixed_hierarchy":{"terms":["meanses","sector","ses"],"design":[[1],[1],[1]],"predictors":["mu"],"delta":{"dist":"normal","mean":0,"variance":100},"omega":{"dist":"gamma_precision","shape":1,"rate":1}}}')"
sample "hierarchy:fixed" $hsb "mathach ~ meanses + sector + (1 | school)" \
  "$(priors hf '{"fixed_hierarchy":{"terms":["(Intercept)","meanses","sector"],"design":[[1,0],[0,1],[0,1]],"delta":{"dist":"normal","mean":0,"variance":1000},"omega":{"dist":"fixed","variance":25}}}')"
sample "three:mixed" $ref/three_level_sim/data.csv "y ~ x + (1 + x | school) + (1 | school:classroom)" \
  "$(priors tm '{"group:school":{"dist":"inv_wishart","df":3,"scale":[[1,0],[0,1]]},"group:school:classroom":{"dist":"half_cauchy_sd","scale":2}}')"
sample "three:lkj" $ref/three_level_sim/data.csv "y ~ x + (1 + x | school/classroom)" ""
sample "init" $hsb "$slopes" "" --init "$(priors init '{"sigma2": 30, "tau2[school:(Intercept)]": 5}')"
sample "known-var" $ref/eight_schools/data.csv "y ~ 1 + (1 | school)" "" --known-sd sigma
sample "nogroup-intercept" $hsb "mathach ~ 0 + ses + (1 | school)" ""
