#!/usr/bin/env bash
# `moodsim sensitivity` against indices known in closed form: on
# tests/sensitivity/additive.yaml the difference in mean change is
# -(3 p1 + p2), p1 (a claim) uniform on [0, 1], p2 on [0, 2]: Morris mu* 3
# and 2 with sigma 0 (exactly: a linear answer), one at a time the answer at
# the ends of each range, the claim's tipping point at the MID (2/3), Sobol
# S1 = ST = 0.6923 and 0.3077 (quasi-Monte Carlo, within 0.035 at N = 256); the parameters chosen by default (hypotheses the score
# depends on; a and b have sources); located errors; the flagship's seed
# question (b) chooses its hypotheses and leaves out the compartments of
# treatments no arm gives.
# usage: sensitivity.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$1; src=$(cd "$2" && pwd); out=$3
source "$(dirname "$0")/lib.sh"
fresh_out "$out"
sc="$src/tests/sensitivity/additive_scenario.yaml"
idx() { awk -F, -v p="$2" -v i="$3" '$1 == "on vs off: mean change" && $3 == p && $8 == i { print $'"${4:-9}"' }' "$1/sensitivity.csv"; }

"$ms" sensitivity "$sc" --out "$out/morris" --trajectories 6 --quiet > "$out/morris.txt" 2>&1 && ok || { bad "morris"; cat "$out/morris.txt" >&2; }
grep -q "^2 parameters, 3 answers, 19 trials" "$out/morris.txt" && ok || bad "morris: $(head -1 "$out/morris.txt")"
within "$(idx "$out/morris" p1 mu_star)" 2.999999 3.000001 "Morris mu* of p1 (3)"
within "$(idx "$out/morris" p2 mu_star)" 1.999999 2.000001 "Morris mu* of p2 (2)"
within "$(idx "$out/morris" p1 sigma)" 0 1e-9 "Morris sigma of p1 (0: linear)"
within "$(idx "$out/morris" p1 mu)" -3.000001 -2.999999 "Morris mu of p1 (-3)"
for f in sensitivity.html sensitivity-1.svg; do [[ -s "$out/morris/$f" ]] && ok || bad "morris: no $f"; done
grep -q "The clinical threshold (the minimal important difference, 3 points) is 2.00 points away. 2 parameters can move it that far over their range: <code>p1</code>, <code>p2</code>." "$out/morris/sensitivity.html" && ok ||
  bad "sensitivity.html: the threshold sentence: $(grep -o 'The clinical threshold[^<]*' "$out/morris/sensitivity.html")"

"$ms" sensitivity "$sc" --out "$out/oat" --method oat --tipping --quiet > /dev/null 2>&1 && ok || bad "oat"
[[ "$(idx "$out/oat" p1 at_low) $(idx "$out/oat" p1 at_high) $(idx "$out/oat" p2 at_low) $(idx "$out/oat" p2 at_high)" == "-1 -4 0 -2" ]] && ok ||
  bad "one at a time: $(idx "$out/oat" p1 at_low) $(idx "$out/oat" p1 at_high) $(idx "$out/oat" p2 at_low) $(idx "$out/oat" p2 at_high)"

# the tipping point of the claim p1: -(3 p1 + 1) = -3 at p1 = 2/3; p2 is no claim
within "$(idx "$out/oat" p1 tipping)" 0.666666 0.666667 "the claim's tipping point (2/3)"
[[ -z "$(idx "$out/oat" p2 tipping)" ]] && ok || bad "a tipping point for p2, which is no claim"
grep -q "It reaches the threshold (an improvement of the MID) at <code>p1</code> = 0.667 (the scenario's value 0; the others at theirs)." "$out/oat/sensitivity.html" && ok ||
  bad "the tipping point in sensitivity.html: $(grep -o 'It reaches[^<]*' "$out/oat/sensitivity.html")"
"$ms" sensitivity "$sc" --out "$out/sobol" --method sobol --samples 256 --bootstrap 200 --quiet > /dev/null 2>&1 && ok || bad "sobol"
for p in "p1 0.6923" "p2 0.3077"; do
  set -- $p
  for i in S1 ST; do
    within "$(idx "$out/sobol" $1 $i)" "$(awk -v x=$2 'BEGIN { print x - 0.035 }')" "$(awk -v x=$2 'BEGIN { print x + 0.035 }')" "Sobol $i of $1 ($2)"
  done
  within "$2" "$(idx "$out/sobol" $1 ST 10)" "$(idx "$out/sobol" $1 ST 11)" "Sobol ST of $1: its interval holds $2"
done

# errors: a parameter that is not one, one drawn per patient, bad options
"$ms" sensitivity "$sc" --out "$out/x" --params p3 > /dev/null 2> "$out/err.txt"; [[ $? -eq 2 ]] && grep -q "'p3' is not a parameter of model 'additive' (did you mean 'p1'?)" "$out/err.txt" && ok || bad "unknown parameter: $(cat "$out/err.txt")"
"$ms" sensitivity "$sc" --out "$out/x" --method anova > /dev/null 2>&1; [[ $? -eq 2 ]] && ok || bad "--method anova is a usage error"
"$ms" sensitivity "$sc" --out "$out/x" --params a --quiet > "$out/a.txt" 2>&1 && grep -q "^1 parameters" "$out/a.txt" && ok || bad "--params a (a sourced parameter may be asked for): $(cat "$out/a.txt")"

# a hypothesis at 0 with no declared range has none: left out by default,
# an error when asked for by name
sed 's/^  a:  {value: 3/  p3: {value: 0, unit: "1", hypothesis: at 0 without a range}\n  a:  {value: 3/; s/+ b \* p2)/+ b * p2 + p3)/' \
  "$src/tests/sensitivity/additive.yaml" > "$out/zero.yaml"
sed "s|model: additive.yaml|model: $out/zero.yaml|; s|protocol: switch_on.yaml|protocol: $src/tests/sensitivity/switch_on.yaml|" "$sc" > "$out/zero_sc.yaml"
grep -q "p3" "$out/zero.yaml" && "$ms" sensitivity "$out/zero_sc.yaml" --out "$out/zero" --quiet > "$out/zero.txt" 2>&1 &&
  grep -q "^2 parameters" "$out/zero.txt" && ok || bad "a hypothesis at 0 without a range is left out: $(cat "$out/zero.txt")"
"$ms" sensitivity "$out/zero_sc.yaml" --out "$out/zero" --params p3 > /dev/null 2> "$out/zero.err"; [[ $? -eq 2 ]] &&
  grep -q "parameter 'p3' has no range (its value is 0)" "$out/zero.err" && ok || bad "--params p3: $(cat "$out/zero.err")"

# the flagship's seed question (b): the default parameters are hypotheses,
# with the claims, without the compartments of drugs no arm gives
"$ms" sensitivity "$src/scenarios/b_tms_exosome_as_claimed.yaml" --out "$out/b" --method oat --patients 2 --quiet > "$out/b.txt" 2>&1 && ok || { bad "seed (b), one at a time"; cat "$out/b.txt" >&2; }
ps=$(awk -F, 'NR > 1 { print $3 }' "$out/b/sensitivity.csv" | sort -u | tr '\n' ' ')
for p in synergy_strength exo_strength k_plast_on placebo_scale load_threshold; do
  [[ " $ps" == *" $p "* ]] && ok || bad "seed (b) varies $p"
done
for p in cxb_ec50 mino_mg_max ab_neutral ka_SSRI drive_median u_nat; do
  [[ " $ps" != *" $p "* ]] && ok || bad "seed (b) should not vary $p (no arm gives that drug, or it is drawn per patient, or it has a source)"
done
grep -q "^synergy_strength" <(awk -F, 'NR > 1 && $1 == "interaction contrast (mean change)" { print $3, $4, $5 }' "$out/b/sensitivity.csv") &&
  [[ "$(awk -F, '$1 == "interaction contrast (mean change)" && $3 == "synergy_strength" { print $4 "-" $5; exit }' "$out/b/sensitivity.csv")" == "0-16" ]] && ok ||
  bad "seed (b): synergy_strength's default range is 0 to twice as-claimed"
finish sensitivity
