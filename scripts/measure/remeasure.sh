#!/usr/bin/env bash
# Re-measures, at the model file's values, the figures of the flagship model
# that docs/model.md and the README quote, so that they can be brought up to
# date after a change to the model (make measure; about 16 minutes on two
# cores, most of it the calibration plan's --evaluate and the flagship test).
# Nothing is judged here beyond what tests/flagship.sh judges; every output
# is kept in OUT_DIR, one file per measurement:
#   flagship.log          tests/flagship.sh (its NOTE lines: CRP g, odds ratios,
#                         Raison response rates, Senova durability, ...)
#   trials_rep3.txt       the five-arm targets on three 2,000-per-arm trials
#   mixture_rep2.txt      Stone/Furukawa/Munkholm targets on two 20,000-per-arm trials
#   placebo_weeks.txt     placebo response by week, the test trial's 2,000 followed to 8
#   raison.txt, raison_small_trials.txt   the infliximab validation and small trials
#   threshold_sensitivity.txt             the threshold load's two hypotheses varied
#   spread_sensitivity.txt                the seed questions at 2,000 per arm on the model
#                                         file and on the joint CRP spread (the other gap)
#   <scenario>.txt        each seed scenario (both claim settings), the monitor study
#   monitor2000.txt, monitor_resample.txt the monitor study's design on 2,000 patients
#   scenario_a_crp.txt    mean CRP of scenario (a)'s treated patients, weeks 0 and 26
#   tms_course.txt        examples/tms_course.c on the flagship model (README)
#   plan_evaluate.txt     calibration/depression_inflammation.yaml --evaluate
#   validation.md, validation.txt   the validation suite (make validate; docs/validation.md)
# usage: remeasure.sh MOODSIM OUT_DIR      (from the source directory; needs
#        python3-numpy and python3-scipy: scripts/install-deps.sh measure)
set -u
ms=$(realpath "$1"); out=$2
src=$(pwd); here=$(cd "$(dirname "$0")" && pwd)
# Debian's interpreter, where install-deps.sh puts NumPy and SciPy (another
# python3 earlier on PATH may lack them); PYTHON=... overrides
py=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
[ -f models/depression_inflammation.yaml ] || { echo "remeasure: run from the source directory" >&2; exit 2; }
mkdir -p "$out"; out=$(realpath "$out")
step() { echo "remeasure: $(date -u +%H:%M:%S) $*" >&2; }

step "tests/flagship.sh"
bash tests/flagship.sh "$ms" "$src" "$out/flagship" > "$out/flagship.log" 2>&1 || step "flagship.sh failed (exit $?): see $out/flagship.log"
step "the five-arm targets, 3 trials of 2,000 per arm"
"$ms" calibrate calibration/trials_fit.yaml --evaluate --scenario calibration/trials.yaml --replicates 3 > "$out/trials_rep3.txt" 2>&1
step "the placebo/drug targets, 2 trials of 20,000 per arm"
"$ms" calibrate calibration/mixture_fit.yaml --evaluate --scenario calibration/trials_large_check.yaml --replicates 2 \
  > "$out/mixture_rep2.txt" 2>&1
if [ -f "$out/flagship/placebo8/visits.csv" ]; then
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { s = $h["HAMD"]; w = $h["week"]; p = $h["patient"] } w == 0 { b[p] = s; n++ } { r[w] += (s <= 0.5 * b[p]) }
    END { for (w in r) printf "week %s: placebo response %.4f\n", w, r[w] / n }' \
    "$out/flagship/placebo8/visits.csv" | sort -k2 -n > "$out/placebo_weeks.txt"
fi
step "the validation suite"
"$ms" validate validation calibration/depression_inflammation.yaml --out "$out/validation.md" \
  --quiet > "$out/validation.txt" 2>&1
step "the infliximab validation (Raison et al. 2013)"
"$ms" trial scenarios/validation_infliximab_raison2013.yaml --out "$out/raison" --one-setting --quiet > "$out/raison.txt" 2>&1
"$py" "$here/raison_small_trials.py" "$out/raison" > "$out/raison_small_trials.txt" 2>&1
step "the threshold load's hypotheses (18 runs)"
"$py" "$here/threshold_sensitivity.py" "$src" "$ms" "$out/sensitivity" > "$out/threshold_sensitivity.txt" 2>&1
step "the seed questions on the two spreads of inflammation (2,000 per arm)"
"$py" "$here/spread_sensitivity.py" "$src" "$ms" "$out/spread" > "$out/spread_sensitivity.txt" 2>&1
step "the seed scenarios and the monitor study"
for s in a_exosome_nmn_null a_exosome_nmn_as_claimed b_tms_exosome_null b_tms_exosome_as_claimed \
         monitor_study_exosome_nmn; do
  "$ms" trial "scenarios/$s.yaml" --out "$out/$s" --quiet > "$out/$s.txt" 2>&1
done
sed 's/^patients_per_arm: 20$/patients_per_arm: 2000/; s#\.\./#'"$src"'/#g' \
  scenarios/monitor_study_exosome_nmn.yaml > "$out/monitor2000.yaml"
"$ms" trial "$out/monitor2000.yaml" --out "$out/monitor2000" --quiet > "$out/monitor2000.txt" 2>&1
"$py" "$here/monitor_resample.py" "$out/monitor2000/endpoints.csv" > "$out/monitor_resample.txt" 2>&1
for s in a_exosome_nmn_as_claimed a_exosome_nmn_null; do
  awk -F, -v s="$s" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["arm"] == "exosome_nmn" { w = $h["week"]; c[w] += $h["CRP_mgL"]; n[w]++ }
    END { printf "%s, exosome_nmn: mean CRP %.2f mg/L at week 0, %.2f at week 26\n", s, c[0] / n[0], c[26] / n[26] }' \
    "$out/$s/visits.csv"
done > "$out/scenario_a_crp.txt"
step "examples/tms_course.c"
lib=$(dirname "$ms")
cc -Iinclude examples/tms_course.c -L"$lib" -lmoodsim -Wl,-rpath,"$lib" -o "$out/tms_course" &&
  "$out/tms_course" models/depression_inflammation.yaml protocols/tms.yaml > "$out/tms_course.txt" 2>&1
step "the calibration plan at the model file's values (--evaluate)"
"$ms" calibrate calibration/depression_inflammation.yaml --evaluate > "$out/plan_evaluate.txt" 2>&1
echo "plan --evaluate exit $?" >> "$out/plan_evaluate.txt"
step "done: $out"
