#!/usr/bin/env bash
# The `moodsim` command as a user meets it: help on every subcommand, exit
# codes (0 ok, 2 bad input, 3 numerical failure), --set, partial output on
# failure, and the README's example compared with its committed output.
# usage: cli.sh MOODSIM SOURCE_DIR
set -u
ms=$1; src=$(cd "$2" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
expect_rc() { # want_rc description command...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [[ $rc -eq $want ]]; then ok; else bad "$what: exit $rc, expected $want"; sed 's/^/  /' "$tmp/err" >&2; fi
}

# help everywhere
expect_rc 0 "--help" "$ms" --help
grep -q "usage: moodsim <command>" "$tmp/out" && ok || bad "main help text"
for sub in check simulate protocol; do
  expect_rc 0 "$sub --help" "$ms" $sub --help
  grep -q "usage: moodsim $sub" "$tmp/out" && ok || bad "$sub help text"
done
expect_rc 0 "help simulate" "$ms" help simulate
expect_rc 0 "version" "$ms" version
grep -q "^moodsim [0-9]" "$tmp/out" && ok || bad "version text"

# usage errors are bad input
expect_rc 2 "no command" "$ms"
expect_rc 2 "unknown command" "$ms" frobnicate
expect_rc 2 "simulate without --days" "$ms" simulate "$src/tests/models/decay.yaml" --out "$tmp/x.csv"
expect_rc 2 "simulate without --out" "$ms" simulate "$src/tests/models/decay.yaml" --days 1
expect_rc 2 "bad --days" "$ms" simulate "$src/tests/models/decay.yaml" --days abc --out "$tmp/x.csv"
expect_rc 2 "unknown option" "$ms" simulate "$src/tests/models/decay.yaml" --dayz 1 --out "$tmp/x.csv"
expect_rc 2 "--set unknown parameter" "$ms" simulate "$src/tests/models/decay.yaml" --days 1 --set kk=1 --out "$tmp/x.csv"
grep -q "'kk' is not a parameter" "$tmp/err" && ok || bad "--set names the parameter"
expect_rc 2 "missing model file" "$ms" check "$tmp/does-not-exist.yaml"
grep -q "does-not-exist.yaml: cannot open" "$tmp/err" && ok || bad "missing file named"
expect_rc 2 "protocol for an unknown input" "$ms" simulate "$src/tests/models/decay.yaml" \
  --protocol "$src/tests/protocols/one_compartment_doses.yaml" --days 1 --out "$tmp/x.csv"

# --set changes a parameter: with k = 0 nothing decays
expect_rc 0 "--set k=0" "$ms" simulate "$src/tests/models/decay.yaml" --days 1 --every 12 --set k=0 --out "$tmp/k0.csv"
[[ "$(tail -1 "$tmp/k0.csv")" == "24,5" ]] && ok || bad "--set k=0 keeps x at 5: $(tail -1 "$tmp/k0.csv")"

# non_negative states: a fast loss resolved coarsely overshoots below zero
# (the free copy shows it does); declared non_negative, no value of the
# state or of its observable is ever negative, with either integrator; a
# model whose own equation drives such a state below zero fails (exit 3)
sed 's/, non_negative: true//' "$src/tests/models/fast_loss.yaml" > "$tmp/fast_loss_free.yaml"
for meth in bdf dirk; do
  expect_rc 0 "non_negative ($meth)" "$ms" simulate "$src/tests/models/fast_loss.yaml" --days 10 --every 0.25 \
    --protocol "$src/tests/protocols/fast_loss_doses.yaml" --rtol 1e-6 --atol 1e-9 --method $meth --out "$tmp/nn.csv"
  n=$(awk -F, 'NR > 1 && ($2 < 0 || $3 < 0)' "$tmp/nn.csv" | wc -l)
  [[ $n -eq 0 && $(wc -l < "$tmp/nn.csv") -eq 962 ]] && ok || bad "non_negative ($meth): $n negative rows"
  expect_rc 0 "free state ($meth)" "$ms" simulate "$tmp/fast_loss_free.yaml" --days 10 --every 0.25 \
    --protocol "$src/tests/protocols/fast_loss_doses.yaml" --rtol 1e-6 --atol 1e-9 --method $meth --out "$tmp/nn.csv"
  n=$(awk -F, 'NR > 1 && $2 < 0' "$tmp/nn.csv" | wc -l)
  [[ $n -gt 0 ]] && ok || bad "the undeclared state should overshoot below zero here ($meth), or the test above proves nothing"
done
sed 's/abs_tol: 1, //; s/  A: -k \* A$/  A: -k * A - 1/' "$src/tests/models/fast_loss.yaml" > "$tmp/sink.yaml"
expect_rc 3 "a non_negative state driven below zero" "$ms" simulate "$tmp/sink.yaml" --days 1 --rtol 1e-6 --atol 1e-9 \
  --protocol "$src/tests/protocols/fast_loss_doses.yaml" --out "$tmp/nn.csv"
grep -q "inequality constraints" "$tmp/err" && ok || bad "the constraint failure is named: $(cat "$tmp/err")"
"$ms" check "$src/tests/models/fast_loss.yaml" | grep -q "non_negative" && ok || bad "check lists non_negative"

# simulate's default tolerances (1e-10/1e-14) on an ill-conditioned model:
# y' = y^2 towards its blow-up at t = 1 h, within 1e-5 of 1/(1 - t) to
# t = 0.995 h (the former 1e-8/1e-12 gave 4.6e-5, 1e-6/1e-9 1.8e-3)
expect_rc 0 "near blow-up" "$ms" simulate "$src/tests/models/near_blowup.yaml" --days 0.041458333 --every 0.005 --out "$tmp/nb.csv"
within "$(awk -F, 'NR > 1 { e = $2 * (1 - $1) - 1; if (e < 0) e = -e; if (e > m) m = e } END { print m + 0 }' "$tmp/nb.csv")" 0 1e-5 \
  "the default tolerances follow y' = y^2 near its blow-up (largest relative error)"

# moodsim ask: a profile and an add-on question in one command -- the
# scenario it ran, both claims settings, the comparison; bad input refused
expect_rc 0 "ask" "$ms" ask --model "$src/models/depression_inflammation.yaml" --treatment "$src/protocols/tms.yaml" \
  --add "$src/protocols/tms_exosome.yaml" --sham "$src/protocols/sham_tms.yaml" --hamd 24 --crp 6 --failed 2 \
  --patients 8 --weeks 4 --out "$tmp/ask" --quiet
grep -q "^  baseline: {HAMD: 24, CRP_mgL: 6}$" "$tmp/ask/ask_scenario.yaml" && grep -q "^  failed_trials: 2$" "$tmp/ask/ask_scenario.yaml" &&
  ok || bad "ask: the scenario holds the profile"
grep -q "<code>HAMD</code> in \[22, 26\].*<code>CRP_mgL</code> in \[4.8, 7.5\]" "$tmp/ask/report.html" &&
  grep -q "<code>placebo_scale</code></td><td>1 1<br>null: 0.4<br>as-claimed: 0.4" "$tmp/ask/report.html" &&
  ok || bad "ask: the report shows the windows and the placebo_scale the profile set"
grep -q "^with_add_on,treatment,8,8,1," "$tmp/ask/comparisons.csv" && grep -q "^with_add_on,treatment," "$tmp/ask/as_claimed/comparisons.csv" &&
  ok || bad "ask: the add-on comparison on both settings"
grep -q "^with_add_on vs treatment: mean change" "$tmp/out" && ok || bad "ask prints the comparison"
# paths with '#' and ': ' stay paths in the scenario ask writes
mkdir -p "$tmp/odd #dir: x" && cp "$src/protocols/tms.yaml" "$src/protocols/tms_exosome.yaml" "$tmp/odd #dir: x/"
expect_rc 0 "ask with an odd path" "$ms" ask --model "$src/models/depression_inflammation.yaml" \
  --treatment "$tmp/odd #dir: x/tms.yaml" --add "$tmp/odd #dir: x/tms_exosome.yaml" --patients 4 --weeks 2 --out "$tmp/ask_odd" --quiet
expect_rc 2 "ask without --add" "$ms" ask --treatment "$src/protocols/tms.yaml" --out "$tmp/ask2"
expect_rc 2 "ask --hamd 99" "$ms" ask --treatment "$src/protocols/tms.yaml" --add "$src/protocols/tms_exosome.yaml" --hamd 99 --out "$tmp/ask2"
expect_rc 2 "ask --crp on a model without CRP_mgL" "$ms" ask --model "$src/tests/trial/toy_model.yaml" \
  --treatment "$src/protocols/tms.yaml" --add "$src/protocols/tms_exosome.yaml" --crp 5 --out "$tmp/ask2"
grep -q "has no observable CRP_mgL" "$tmp/err" && ok || bad "ask names what the model lacks: $(cat "$tmp/err")"

# numerical failure: exit 3, rows before the failure kept
expect_rc 3 "blow-up" "$ms" simulate "$src/tests/models/blowup.yaml" --days 1 --every 0.25 --out "$tmp/b.csv"
grep -q "integration failed" "$tmp/err" && ok || bad "failure explained"
[[ $(wc -l < "$tmp/b.csv") -eq 5 ]] && ok || bad "header + 4 rows before t = 1 h, got $(wc -l < "$tmp/b.csv") lines"

# the README example, against its committed output (relative tolerance 1e-6)
expect_rc 0 "README example" "$ms" simulate "$src/models/example_il6_crp.yaml" \
  --protocol "$src/examples/endotoxin_challenge.yaml" --days 7 --every 6 --out "$tmp/demo.csv"
if awk -F, -v tol=1e-6 'NR == FNR { a[FNR] = $0; next }
    { n = split(a[FNR], x, ","); m = split($0, y, ",");
      if (n != m) { print "line " FNR ": column count"; bad = 1; next }
      for (i = 1; i <= n; i++) {
        if (FNR == 1) { if (x[i] != y[i]) { print "header differs"; bad = 1 } continue }
        d = x[i] - y[i]; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i]; if (s < 1e-9) s = 1e-9;
        if (d > tol * s) { print "line " FNR " col " i ": " x[i] " vs " y[i]; bad = 1 } } }
    END { if (FNR != length(a)) { print "row count differs"; bad = 1 } exit bad }' \
    "$src/tests/expected/example_il6_crp.csv" "$tmp/demo.csv" >&2; then ok; else bad "README example output differs"; fi

# protocols: every file in protocols/ shows; the seed schedule's totals
for f in "$src"/protocols/*.yaml; do
  expect_rc 0 "protocol show $(basename "$f")" "$ms" protocol show "$f" --weight 70
done
expect_rc 0 "protocol show seed schedule" "$ms" protocol show "$src/protocols/tms_exosome.yaml" --weeks 2
grep -q "^totals over 182 days: tms 70, exosome 13$" "$tmp/out" && ok || bad "seed schedule totals"
grep -q "^   0  TE      T       T       T       T       \.       \.$" "$tmp/out" && ok || bad "week 0 row"
expect_rc 2 "mg/kg without --weight" "$ms" protocol events "$src/protocols/anti_cytokine.yaml"
grep -q "body weight is needed" "$tmp/err" && ok || bad "asks for the weight"
# simulate passes --weight to the protocol (mg/kg doses)
expect_rc 2 "simulate mg/kg without --weight" "$ms" simulate "$src/tests/models/treatment_inputs.yaml" --protocol "$src/protocols/anti_cytokine.yaml" --days 2 --out "$tmp/w.csv"
expect_rc 0 "simulate mg/kg with --weight" "$ms" simulate "$src/tests/models/treatment_inputs.yaml" --protocol "$src/protocols/anti_cytokine.yaml" --days 2 --weight 70 --out "$tmp/w.csv"
expect_rc 2 "unknown protocol subcommand" "$ms" protocol list "$src/protocols/tms.yaml"
expect_rc 0 "events csv" "$ms" protocol events "$src/protocols/tms_exosome.yaml" --out "$tmp/ev.csv"
[[ $(wc -l < "$tmp/ev.csv") -eq 84 ]] && ok || bad "83 events + header"
grep -q "^9.5,0,2027-01-04,Mon,09:30,exosome,exosome_iv,pulse,1.5e+10,1.5e+10,1$" "$tmp/ev.csv" && ok || bad "first infusion row"
# NONMEM export read back by simulate gives the same trajectories as the YAML protocol
fx="$src/tests/models/treatment_inputs.yaml"
expect_rc 0 "events nonmem" "$ms" protocol events "$src/protocols/tms_exosome_nmn.yaml" --format nonmem --model "$fx" --out "$tmp/ev_nm.csv"
head -2 "$tmp/ev_nm.csv" | tail -1 | grep -q "^ID,TIME,EVID,CMT,AMT,RATE$" && ok || bad "NONMEM header"
expect_rc 0 "simulate yaml" "$ms" simulate "$fx" --protocol "$src/protocols/tms_exosome_nmn.yaml" --days 182 --every 24 --out "$tmp/sim_yaml.csv"
expect_rc 0 "simulate nonmem" "$ms" simulate "$fx" --protocol "$tmp/ev_nm.csv" --days 182 --every 24 --out "$tmp/sim_nm.csv"
cmp -s "$tmp/sim_yaml.csv" "$tmp/sim_nm.csv" && ok || bad "NONMEM round trip changes the simulation"
# the second integrator: 26 weeks of the flagship model on the seeds' combined
# protocol (180 switches) by DIRK agree with BDF on every observable
flag="$src/models/depression_inflammation.yaml"
expect_rc 0 "simulate bdf" "$ms" simulate "$flag" --protocol "$src/protocols/tms_exosome_nmn.yaml" --days 182 --every 24 --out "$tmp/sim_bdf.csv"
expect_rc 0 "simulate --method dirk" "$ms" simulate "$flag" --protocol "$src/protocols/tms_exosome_nmn.yaml" --days 182 --every 24 --method dirk --out "$tmp/sim_dirk.csv"
if cmp -s "$tmp/sim_bdf.csv" "$tmp/sim_dirk.csv"; then bad "--method dirk changed nothing: not applied"; else ok; fi
nobs=$("$ms" check "$flag" | awk '/^observables/ { gsub(/[():]/, "", $2); print $2; exit }')
awk -F, -v nobs="${nobs:-0}" 'NR == FNR { for (i = 2; i <= NF; i++) v[FNR, i] = $i; next }
  FNR == 1 { if (nobs < 5) { print "too few observables: " nobs; bad = 1 }; next }
  { for (i = NF - nobs + 1; i <= NF; i++) { a = v[FNR, i]; d = a - $i; if (d < 0) d = -d; s = a < 0 ? -a : a
    if (d > 1e-4 * s + 1e-9) { print "row " FNR " col " i ": " a " vs " $i; bad = 1 } } } END { exit bad }' \
  "$tmp/sim_bdf.csv" "$tmp/sim_dirk.csv" >&2 && ok || bad "BDF and DIRK disagree beyond 1e-4 on an observable"
expect_rc 2 "simulate --method rk4" "$ms" simulate "$fx" --days 1 --method rk4 --out "$tmp/x.csv"
grep -q "expected bdf or dirk" "$tmp/err" && ok || bad "the bad method's message names the choices"
# a virtual patient's calendar with missed sessions
sed 's/^    duration_min: 30$/    duration_min: 30\n    missed: 0.2/' "$src/protocols/tms.yaml" > "$tmp/adherence.yaml"
expect_rc 0 "patient calendar" "$ms" protocol show "$tmp/adherence.yaml" --patient 3 --seed 11
grep -Eq "^totals over 182 days: tms 70 \([0-9]+ missed\)$" "$tmp/out" && ok || bad "missed count shown"

# the worked example in docs/model-format.md is the committed test model, and it loads
awk '/^```yaml$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
  "$src/docs/model-format.md" > "$tmp/doc_example.yaml"
cmp -s "$tmp/doc_example.yaml" "$src/tests/models/one_compartment.yaml" && ok ||
  bad "docs/model-format.md example differs from tests/models/one_compartment.yaml"
expect_rc 0 "docs example checks" "$ms" check "$tmp/doc_example.yaml"
awk '/^```yaml$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
  "$src/docs/protocol-format.md" > "$tmp/doc_protocol.yaml"
cmp -s "$tmp/doc_protocol.yaml" "$src/protocols/tms_exosome.yaml" && ok ||
  bad "docs/protocol-format.md example differs from protocols/tms_exosome.yaml"

awk '/^```yaml$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
  "$src/docs/scenario-format.md" > "$tmp/doc_scenario.yaml"
cmp -s "$tmp/doc_scenario.yaml" "$src/tests/trial/toy_scenario.yaml" && ok ||
  bad "docs/scenario-format.md example differs from tests/trial/toy_scenario.yaml"

# cohort: rows, inclusion, --set
toy="$src/tests/trial/toy_model.yaml"
expect_rc 0 "cohort" "$ms" cohort "$toy" --n 20 --seed 3 --min h_core=16 --set p_max=0.5 --out "$tmp/c.csv"
[[ $(($(wc -l < "$tmp/c.csv") - 1)) -eq 20 ]] && ok || bad "cohort: 20 rows"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $(h["p_max"]) != 0.5 || $(h["h_core"]) < 16 { bad = 1 } END { exit bad }' "$tmp/c.csv" && ok ||
  bad "cohort: --set p_max=0.5 in every row and h_core >= 16"
grep -q "rejected by h_core" "$tmp/err" && ok || bad "cohort: rejections reported"
# a patient is the same person when the model gains a varying parameter
# (uncorrelated, untruncated) or its variability entries are reordered:
# draws are keyed by the parameter's name, not by its position
awk '{ print } /^parameters:/ { print "  k_new: {value: 1, unit: \"1\", hypothesis: test value}" }
     /^variability:/ { print "  k_new: {dist: lognormal, median: 1, cv: 0.5, hypothesis: test distribution}" }' \
  "$toy" > "$tmp/toy_gained.yaml"
awk '/^variability:/ { print; v = 1; next } v && /^  [a-z]/ { l[++n] = $0; next }
     v { for (i = n; i >= 1; i--) print l[i]; v = 0 } { print }' "$toy" > "$tmp/toy_reordered.yaml"
"$ms" cohort "$toy" --n 200 --seed 5 --out "$tmp/c0.csv" 2> /dev/null
for variant in gained reordered; do
  "$ms" cohort "$tmp/toy_$variant.yaml" --n 200 --seed 5 --out "$tmp/c1.csv" 2> /dev/null && ok || bad "cohort ($variant)"
  cols() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i }
    { print $h["crp0"], $h["h_core"], $h["p_max"], $h["weight_kg"] }' "$1"; }
  cmp -s <(cols "$tmp/c0.csv") <(cols "$tmp/c1.csv") && ok || bad "the 200 patients keep their values when the model is $variant"
  [[ $variant != gained ]] || grep -q k_new "$tmp/c1.csv" && ok || bad "the gained parameter is drawn"
done
expect_rc 2 "cohort --set unknown" "$ms" cohort "$toy" --n 2 --seed 3 --set kk=1 --out "$tmp/c.csv"
grep -q "'kk' is not a parameter" "$tmp/err" && ok || bad "cohort --set names the parameter"
expect_rc 2 "cohort --set without =" "$ms" cohort "$toy" --n 2 --seed 3 --set kk --out "$tmp/c.csv"

# calibrate: --evaluate (the model file's values, no fit), --scenario only with
# it and only for a trial calibration, and targets errors with file:line:col
expect_rc 0 "calibrate --evaluate (cohort)" "$ms" calibrate "$src/calibration/crp_depression.yaml" --evaluate
grep -q "the model's parameters" "$tmp/out" && grep -q "drive_median *1.616" "$tmp/out" && ok || bad "--evaluate prints the model's values"
expect_rc 0 "calibrate --evaluate --replicates" "$ms" calibrate "$src/calibration/crp_depression.yaml" --evaluate --replicates 3
[[ $(grep -c "over 3 replicates: mean .*, SD .*, range .* to .*; [0-3] of 3 within" "$tmp/out") == 2 ]] && ok || bad "--replicates: a spread line per target"
expect_rc 0 "calibrate --quiet" "$ms" calibrate "$src/calibration/crp_healthy.yaml" --quiet
[ ! -s "$tmp/err" ] && ok || bad "calibrate --quiet printed on stderr"
grep -q "fitted parameters:" "$tmp/out" && ok || bad "calibrate --quiet still prints the result"
"$ms" help calibrate | grep -q -- "--quiet" && ok || bad "calibrate help names --quiet"
# Ctrl-C stops a fit after the evaluation under way and prints the best point
# so far (exit 130).  A trial calibration whose target cannot be met runs
# until its 120 iterations; it is interrupted once its progress line shows.
cat > "$tmp/stop.yaml" <<EOF
calibration: stop_test
scenario: $src/tests/trial/toy_scenario.yaml
fit:
  p_tms_inf: {start: 0.3, lower: 0.05, upper: 0.9}
targets:
  - name: an unreachable final mean
    statistic: mean_final
    arm: tms
    value: 100
    tolerance: 1
    source: test
EOF
interrupt_fit() { # FILE: calibrate it, Ctrl-C once its progress line shows; rc, stop.out, stop.err
  rm -f "$tmp/stop.out" "$tmp/stop.err" # an earlier run's progress line must not end the wait
  "$ms" calibrate "$1" > "$tmp/stop.out" 2> "$tmp/stop.err" &
  local pid=$! i
  for ((i = 0; i < 3000; i++)); do
    grep -qs "calibrate: iteration" "$tmp/stop.err" || ! kill -0 $pid 2> /dev/null && break; sleep 0.1
  done
  kill -INT $pid; { wait $pid; } 2> /dev/null; rc=$?
}
interrupt_fit "$tmp/stop.yaml"
[[ $rc -eq 130 ]] && ok || bad "an interrupted fit exits 130, got $rc: $(cat "$tmp/stop.err")"
grep -q "interrupted after [1-9][0-9]* evaluations; the best point so far" "$tmp/stop.err" && ok ||
  bad "an interrupted fit says so: $(cat "$tmp/stop.err")"
grep -q "^best parameters so far:" "$tmp/stop.out" && grep -q "^  p_tms_inf  *0\.[0-9]" "$tmp/stop.out" &&
  grep -q "an unreachable final mean .* model [0-9.]*  OUTSIDE" "$tmp/stop.out" && ok ||
  bad "an interrupted fit prints its best point and the target there: $(cat "$tmp/stop.out")"
"$ms" help calibrate | grep -q "Ctrl-C stops a fit" && ok || bad "calibrate help says what Ctrl-C does"
# max_evaluations: ends the same fit after that many evaluations, with the best
# point evaluated, said to be unconverged; the exit code judges its targets
sed 's/^fit:/max_evaluations: 3\nfit:/' "$tmp/stop.yaml" > "$tmp/budget.yaml"
expect_rc 4 "a fit ended by max_evaluations, its target unmet" "$ms" calibrate "$tmp/budget.yaml"
grep -q "stopped after 3 evaluations (max_evaluations: of the targets file or the plan's step); the best point evaluated (not a converged fit)" "$tmp/err" &&
  ok || bad "a budgeted fit says it stopped after exactly 3 evaluations: $(cat "$tmp/err")"
grep -q "^best parameters evaluated (not converged):" "$tmp/out" && grep -q "^  p_tms_inf  *0\.[0-9]" "$tmp/out" &&
  ok || bad "a budgeted fit prints its best point: $(cat "$tmp/out")"
for v in 0 2.5 '"x"'; do
  sed "s/^fit:/max_evaluations: $v\nfit:/" "$tmp/stop.yaml" > "$tmp/budget.yaml"
  expect_rc 2 "max_evaluations: $v" "$ms" calibrate "$tmp/budget.yaml"
  grep -q "budget.yaml:3:[0-9]*: .*max_evaluations" "$tmp/err" && ok || bad "max_evaluations: $v -- the error names file, line and key: $(cat "$tmp/err")"
done
"$ms" help calibrate | grep -q "max_evaluations" && ok || bad "calibrate help names max_evaluations"
# fit_replicates: N -- each evaluation of a trial fit runs N trials (seeds
# seed .. seed + N - 1): the statistics printed are their means (those of
# --evaluate --replicates N at the same values) and the objective the mean of
# the trials' objectives, so that one trial's luck cannot carry a point
printf 'calibration: fit_replicates_test\nscenario: %s\nmax_evaluations: 1\nfit_replicates: 2\n' \
  "$src/tests/trial/toy_scenario.yaml" > "$tmp/reps.yaml"
printf 'fit:\n  p_tms_inf: {start: 0.3, lower: 0.05, upper: 0.9}\ntargets:\n  - name: final mean on TMS\n    statistic: mean_final\n    arm: tms\n    value: 14.86\n    tolerance: 0.01\n    source: test\n' \
  >> "$tmp/reps.yaml"
expect_rc 0 "a fit with fit_replicates: 2 (one evaluation at the model's value; the mean meets the target)" "$ms" calibrate "$tmp/reps.yaml"
fit_mean=$(sed -n 's/.*final mean on TMS .* model \([^ ]*\) .*/\1/p' "$tmp/out")
fit_obj=$(sed -n 's/^objective \([^ ]*\) (.*; the mean over the trials of an evaluation)$/\1/p' "$tmp/out")
grep -q "^targets (each statistic the mean over the 2 trials of an evaluation" "$tmp/out" && ok ||
  bad "a fit over 2 trials says its statistics are means: $(cat "$tmp/out")"
sed '/^fit_replicates:/d' "$tmp/reps.yaml" > "$tmp/reps1.yaml"
expect_rc 0 "the same values, --evaluate --replicates 2" "$ms" calibrate "$tmp/reps1.yaml" --evaluate --replicates 2
read -r ev_mean r1 r2 < <(sed -n 's/.*over 2 replicates: mean \([^,]*\), SD [^,]*, range \([^ ]*\) to \([^;]*\);.*/\1 \2 \3/p' "$tmp/out")
[[ -n $fit_mean && $fit_mean == "$ev_mean" ]] && ok || bad "the fit's statistic ($fit_mean) is the mean over the two trials ($ev_mean)"
expect_rc 4 "the same fit on one trial" "$ms" calibrate "$tmp/reps1.yaml"
one=$(sed -n 's/.*final mean on TMS .* model \([^ ]*\) .*/\1/p' "$tmp/out")
[[ -n $one && ( $one == "$r1" || $one == "$r2" ) && $one != "$fit_mean" ]] && ok ||
  bad "one trial ($one) is one of the two ($r1, $r2), not their mean ($fit_mean)"
# the objective: the mean of each trial's squared deviation in standard errors
# (interval width / 3.92), not the squared deviation of the mean (the target
# lies between the two trials, so the two differ many times over; the trials
# are printed to 4 digits, a few hundredths from the target, hence +-15 %)
within "$(awk -v f="${fit_obj:-0}" -v a="${r1:-0}" -v b="${r2:-0}" 'BEGIN { se = 0.02 / 3.92
  print f / ((((a - 14.86) / se) ^ 2 + ((b - 14.86) / se) ^ 2) / 2) }')" 0.85 1.15 \
  "fit_replicates: the objective ($fit_obj) is the mean of the two trials' ($r1, $r2)"
for v in 0 1.5 101; do
  sed "s/^fit_replicates: 2/fit_replicates: $v/" "$tmp/reps.yaml" > "$tmp/reps_bad.yaml"
  expect_rc 2 "fit_replicates: $v" "$ms" calibrate "$tmp/reps_bad.yaml"
  grep -q "reps_bad.yaml:4:[0-9]*: fit_replicates: expected a whole number from 1 to 100" "$tmp/err" && ok ||
    bad "fit_replicates: $v -- the error names file, line and what is expected: $(cat "$tmp/err")"
done
sed 's/^fit_replicates: 2/fit_replicates: 2\nmethod: levenberg-marquardt/' "$tmp/reps.yaml" > "$tmp/reps_bad.yaml"
expect_rc 2 "fit_replicates: with levenberg-marquardt" "$ms" calibrate "$tmp/reps_bad.yaml"
grep -q "reps_bad.yaml:4:[0-9]*: fit_replicates: is for the simplex" "$tmp/err" && ok || bad "fit_replicates with LM: $(cat "$tmp/err")"
sed -e "s|^model: ../|model: $src/|" -e 's/^fit:/fit_replicates: 2\nfit:/' "$src/calibration/crp_healthy.yaml" > "$tmp/reps_bad.yaml"
expect_rc 2 "fit_replicates: on a cohort calibration" "$ms" calibrate "$tmp/reps_bad.yaml"
grep -q "reps_bad.yaml:[0-9]*:[0-9]*: fit_replicates: is for a trial calibration" "$tmp/err" && ok || bad "fit_replicates on a cohort: $(cat "$tmp/err")"
"$ms" help calibrate | grep -q "fit_replicates" && ok || bad "calibrate help names fit_replicates"
# method: levenberg-marquardt (GSL's nonlinear least squares) reaches the
# simplex's fit in fewer evaluations, keeps budgets, and rejects what it cannot do
sed -e "s|^model: ../|model: $src/|" -e 's/^fit:/method: levenberg-marquardt\nfit:/' \
  "$src/calibration/crp_healthy.yaml" > "$tmp/lm.yaml"
expect_rc 0 "calibrate method: levenberg-marquardt" "$ms" calibrate "$tmp/lm.yaml"
grep -q "converged after [0-9]* evaluations ([0-9]* iterations)" "$tmp/err" && ok || bad "an LM fit says it converged: $(cat "$tmp/err")"
lm_evals=$(sed -n 's/.*converged after \([0-9]*\) evaluations.*/\1/p' "$tmp/err")
sed -n '/^fitted parameters:/,/^targets:/p' "$tmp/out" > "$tmp/p_lm"
"$ms" calibrate "$src/calibration/crp_healthy.yaml" > "$tmp/out" 2> "$tmp/err"
sed -n '/^fitted parameters:/,/^targets:/p' "$tmp/out" > "$tmp/p_nm"
cmp -s "$tmp/p_lm" "$tmp/p_nm" && [ -s "$tmp/p_nm" ] && ok || bad "LM and the simplex fit crp_healthy differently: $(cat "$tmp/p_lm" "$tmp/p_nm")"
nm_evals=$(sed -n 's/.*converged after \([0-9]*\) evaluations.*/\1/p' "$tmp/err")
[[ -n $lm_evals && -n $nm_evals && $lm_evals -lt $nm_evals ]] && ok || bad "LM took $lm_evals evaluations, the simplex $nm_evals"
# a difference step too small to move a cohort's fractions: the Jacobian is
# flat, no step lowers the objective, and the fit says so (not "converged")
sed -e "s|^model: ../|model: $src/|" -e 's/^fit:/method: levenberg-marquardt\ndifference_step: 1e-6\nfit:/' \
  "$src/calibration/crp_depression.yaml" > "$tmp/flat.yaml"
expect_rc 4 "an LM fit with a flat Jacobian (targets unmet at the start)" "$ms" calibrate "$tmp/flat.yaml"
grep -q "no step lowered the objective (levenberg-marquardt)" "$tmp/err" && grep -q "^best parameters evaluated (not converged):" "$tmp/out" &&
  ! grep -q "converged after" "$tmp/err" && ok || bad "a flat LM fit is not called converged: $(cat "$tmp/err")"
sed 's/^fit:/method: levenberg-marquardt\nmax_evaluations: 3\nfit:/' "$tmp/stop.yaml" > "$tmp/budget.yaml"
expect_rc 4 "an LM fit ended by max_evaluations" "$ms" calibrate "$tmp/budget.yaml"
grep -q "stopped after 3 evaluations" "$tmp/err" && grep -q "^best parameters evaluated (not converged):" "$tmp/out" &&
  ok || bad "a budgeted LM fit stops after 3 evaluations with its best point: $(cat "$tmp/err" "$tmp/out")"
sed 's/^fit:/method: newton\nfit:/' "$tmp/stop.yaml" > "$tmp/method.yaml"
expect_rc 2 "method: newton" "$ms" calibrate "$tmp/method.yaml"
grep -q "method.yaml:3:[0-9]*: method: expected simplex" "$tmp/err" && ok || bad "an unknown method: file:line and the choices: $(cat "$tmp/err")"
sed 's/^fit:/difference_step: 0.1\nfit:/' "$tmp/stop.yaml" > "$tmp/method.yaml"
expect_rc 2 "difference_step: with the simplex" "$ms" calibrate "$tmp/method.yaml"
grep -q "method.yaml:3:[0-9]*: difference_step: .*levenberg-marquardt" "$tmp/err" && ok || bad "difference_step: without LM: $(cat "$tmp/err")"
sed -e 's/^fit:/method: levenberg-marquardt\ndifference_step: 0\nfit:/' "$tmp/stop.yaml" > "$tmp/method.yaml"
expect_rc 2 "difference_step: 0" "$ms" calibrate "$tmp/method.yaml"
grep -q "method.yaml:4:[0-9]*: difference_step: expected a number from 1e-6 to 1" "$tmp/err" && ok || bad "difference_step: 0: $(cat "$tmp/err")"
sed -e 's/^fit:/method: levenberg-marquardt\nfit:\n  k_s: {start: 0.5, lower: 0.1, upper: 0.9}/' "$tmp/stop.yaml" > "$tmp/method.yaml"
expect_rc 2 "LM with more parameters than targets" "$ms" calibrate "$tmp/method.yaml"
grep -q "method.yaml:3:[0-9]*: levenberg-marquardt needs at least as many fitted targets as fitted parameters (1 targets, 2 parameters)" "$tmp/err" &&
  ok || bad "LM with 2 parameters and 1 target: $(cat "$tmp/err")"
"$ms" help calibrate | grep -q "levenberg-marquardt" && ok || bad "calibrate help names method: levenberg-marquardt"
# a target with fitted: false is evaluated and reported but does not move the fit
cp "$src/calibration/crp_healthy.yaml" "$tmp/unfitted.yaml"
sed -i "s|^model: ../|model: $src/|" "$tmp/unfitted.yaml"
printf '  - name: checked only\n    statistic: median\n    observable: CRP_mgL\n    value: 9\n    tolerance: 0.5\n    fitted: false\n    source: a deliberately unreachable check\n' >> "$tmp/unfitted.yaml"
expect_rc 4 "a checked-only target outside its interval" "$ms" calibrate "$tmp/unfitted.yaml" --quiet
grep -q "(checked, not fitted) a deliberately unreachable check" "$tmp/out" && ok || bad "checked-only target marked in the output"
sed -n '/^fitted parameters:/,/^targets:/p' "$tmp/out" > "$tmp/p_unfitted"
"$ms" calibrate "$src/calibration/crp_healthy.yaml" --quiet | sed -n '/^fitted parameters:/,/^targets:/p' > "$tmp/p_plain"
cmp -s "$tmp/p_unfitted" "$tmp/p_plain" && [ -s "$tmp/p_plain" ] && ok || bad "a fitted: false target changed the fitted values"
expect_rc 2 "calibrate --replicates without --evaluate" "$ms" calibrate "$src/calibration/crp_depression.yaml" --replicates 3
expect_rc 2 "calibrate --replicates 0" "$ms" calibrate "$src/calibration/crp_depression.yaml" --evaluate --replicates 0
expect_rc 2 "calibrate --scenario without --evaluate" "$ms" calibrate "$src/calibration/trials_fit.yaml" --scenario "$src/calibration/trials.yaml"
expect_rc 2 "calibrate --scenario on a cohort calibration" "$ms" calibrate "$src/calibration/crp_depression.yaml" --evaluate --scenario "$src/calibration/trials.yaml"
grep -q "crp_depression.yaml:[0-9]*:[0-9]*: .*only a trial calibration" "$tmp/err" && ok || bad "--scenario on a cohort calibration: the error names the file and line"
targets() { # body of the one target, as YAML lines
  { printf 'calibration: t\nscenario: %s\nfit:\n  nat_mean: {start: 0.2, lower: 0, upper: 0.4}\ntargets:\n' "$src/calibration/trials_fit_cohort.yaml"
    printf '  - name: x\n    source: y\n    value: 0.1\n    tolerance: 0.05\n'; cat; } > "$tmp/targets.yaml"; }
printf '    statistic: mixture_weight\n    arm: placebo\n    means: [16.0, 8.9, 1.7]\n    component_mean: 12\n' | targets
expect_rc 2 "mixture target: component_mean not among means" "$ms" calibrate "$tmp/targets.yaml" --evaluate
grep -q "targets.yaml:13:[0-9]*: component_mean 12 is not one of means" "$tmp/err" && ok || bad "component_mean error names line 13"
printf '    statistic: mixture_weight\n    arm: placebo\n    means: [16.0, 16.0]\n    component_mean: 16\n' | targets
expect_rc 2 "mixture target: equal means" "$ms" calibrate "$tmp/targets.yaml" --evaluate
printf '    statistic: remission_rate\n    arm: sham_trd\n    week: 4\n' | targets
expect_rc 2 "trial target at a week that is not a visit" "$ms" calibrate "$tmp/targets.yaml" --evaluate
grep -q "week 4 is not one of the scenario's visits_weeks" "$tmp/err" && ok || bad "week error says what was expected"
printf '    statistic: mean_baseline\n    arm: placebo\n    week: 3\n' | targets
expect_rc 2 "week: on a baseline statistic" "$ms" calibrate "$tmp/targets.yaml" --evaluate
printf '    statistic: response_rate\n    arm: placebo\n    pooled_with: [ssri]\n' | targets
expect_rc 2 "pooled_with: outside a mixture target" "$ms" calibrate "$tmp/targets.yaml" --evaluate
refused_target() { # description, target body (printf format), expected error (regex)
  printf "$2" | targets
  expect_rc 2 "$1" "$ms" calibrate "$tmp/targets.yaml" --evaluate
  grep -q "targets.yaml:[0-9]*:[0-9]*: $3" "$tmp/err" && ok || bad "$1: the error names the line and says '$3'"
}
refused_target "variance_ratio without minus_arm" '    statistic: variance_ratio\n    arm: ssri\n' \
  "a variance_ratio target needs minus_arm"
refused_target "mixture difference without the minus arm in the fit" \
  '    statistic: mixture_weight\n    arm: ssri\n    minus_arm: placebo\n    means: [16.0, 8.9, 1.7]\n    component_mean: 16\n' \
  "minus_arm: of a mixture_weight target must be one of pooled_with"
refused_target "fitted: neither true nor false" '    statistic: response_rate\n    arm: placebo\n    fitted: maybe\n' \
  "fitted: expected true or false"
refused_target "no target fitted" '    statistic: response_rate\n    arm: placebo\n    fitted: false\n' \
  "every target has fitted: false; at least one must be fitted"
refused_target "sustained_response without from_week" '    statistic: sustained_response\n    arm: tms_trd\n    week: 6\n' \
  "a sustained_response target needs from_week"
refused_target "sustained_response with from_week not earlier than week" \
  '    statistic: sustained_response\n    arm: tms_trd\n    from_week: 6\n    week: 3\n' \
  "week: must be a later visit than from_week:"
refused_target "from_week: outside a sustained_response target" \
  '    statistic: response_rate\n    arm: tms_trd\n    from_week: 3\n' \
  "from_week: belongs to a sustained_response or remission_kept target"
refused_target "from_week: not a visit" '    statistic: sustained_response\n    arm: tms_trd\n    from_week: 2\n    week: 6\n' \
  "week 2 is not one of the scenario's visits_weeks"
refused_target "hedges_g on a trial calibration" '    statistic: hedges_g\n    arm: placebo\n' \
  "statistic 'hedges_g' needs a model: calibration"
# a comparison with a reference group (hedges_g, cv_ratio) in a cohort calibration
cohort_target() { # description, target body (printf format), expected error (regex)
  { printf 'calibration: t\nmodel: %s/models/depression_inflammation.yaml\ncohort: {n: 200, seed: 1}\n' "$src"
    printf 'fit:\n  drive_median: {start: 1.2, lower: 0.3, upper: 6}\ntargets:\n'
    printf '  - name: x\n    source: y\n    value: 0.7\n    ci: [0.5, 0.92]\n    observable: CRP_mgL\n'; printf "$2"; } > "$tmp/targets.yaml"
  expect_rc 2 "$1" "$ms" calibrate "$tmp/targets.yaml" --evaluate
  grep -q "targets.yaml:[0-9]*:[0-9]*: $3" "$tmp/err" && ok || bad "$1: the error names the line and says '$3': $(cat "$tmp/err")"
}
cohort_target "hedges_g without reference:" '    statistic: hedges_g\n' "a hedges_g target needs reference:"
cohort_target "cv_ratio with an empty reference:" '    statistic: cv_ratio\n    reference: {}\n' "a cv_ratio target needs reference:"
cohort_target "reference: names no parameter" '    statistic: hedges_g\n    reference: {drive_mean: 1}\n' \
  "'drive_mean' is not a parameter of the model"
cohort_target "reference: sets a parameter that varies between patients" \
  '    statistic: hedges_g\n    reference: {z_drive: 0}\n' "'z_drive' varies between patients"
cohort_target "reference: value not a number" '    statistic: hedges_g\n    reference: {drive_median: low}\n' \
  "drive_median"
cohort_target "at_most: on a fraction_above target" '    statistic: fraction_above\n    threshold: 3\n    at_most: 10\n' \
  "reference: and at_most: belong to a hedges_g, cv_ratio or odds_ratio target"
cohort_target "odds_ratio without threshold:" '    statistic: odds_ratio\n    reference: {drive_median: 1}\n' \
  "no 'threshold:'"
cohort_target "threshold: on a median target" '    statistic: median\n    threshold: 3\n' \
  "threshold: belongs to a fraction_above or odds_ratio target"
# targets against different reference groups in one file each get their own
# group: the same values as each target alone
cmp_file() { # FILE, then target bodies (printf formats), one per target
  local f=$1; shift
  { printf 'calibration: t\nmodel: %s/models/depression_inflammation.yaml\ncohort: {n: 2000, seed: 3}\n' "$src"
    printf 'fit:\n  drive_median: {start: 1.2, lower: 0.3, upper: 6}\ntargets:\n'
    for b in "$@"; do printf '  - name: x\n    source: y\n    value: 0.7\n    ci: [0, 2]\n    observable: CRP_mgL\n'; printf "$b"; done; } > "$tmp/$f"
}
ref_a='    statistic: hedges_g\n    reference: {drive_median: 0.9907, drive_sigma: 1.041}\n    at_most: 10\n'
ref_b='    statistic: cv_ratio\n    reference: {drive_median: 0.5}\n'
# a comparison that is not defined on the cohort (no patient of the
# reference group above the threshold: odds of 0) is reported as such and
# misses, never a crash or an infinite value
cmp_file undefined.yaml '    statistic: odds_ratio\n    threshold: 3\n    reference: {drive_median: 0.01}\n'
expect_rc 4 "an odds ratio with no reference patient above the threshold" "$ms" calibrate "$tmp/undefined.yaml" --evaluate
grep -q "model nan  OUTSIDE" "$tmp/out" && ok || bad "an undefined odds ratio prints nan and misses: $(cat "$tmp/out")"
cmp_file three.yaml "$ref_a" "$ref_b" "$ref_a"; cmp_file a.yaml "$ref_a"; cmp_file b.yaml "$ref_b"
got() { "$ms" calibrate "$tmp/$1" --evaluate | awk '$NF == "ok" || $NF == "OUTSIDE" { print $(NF - 1) }' | tr '\n' ' '; }
three=$(got three.yaml); a=$(got a.yaml); b=$(got b.yaml)
[ "$three" = "$a$b$a" ] && [ -n "$a" ] && [ "$a" != "$b " ] && ok ||
  bad "targets with different references: '$three', alone '$a' '$b'"

# A calibration plan: targets files run in order as one calibration; a step's
# kept values replace the model file's in every later stage; checks evaluate
# at the values re-derived.
cal=$src/calibration
plan() { # file, then the plan's body after model:
  { printf 'calibration: plan_test\nmodel: %s/models/depression_inflammation.yaml\n' "$src"; printf "$2"; } > "$tmp/$1"
}
plan p1.yaml "significant_digits: 4\nsteps:\n  - {targets: $cal/crp_healthy.yaml, keep: []}\n  - $cal/crp_depression.yaml\nchecks:\n  - $cal/crp_depression.yaml\n"
expect_rc 0 "a plan of two cohort steps and a check" "$ms" calibrate "$tmp/p1.yaml"
grep -q "^== step 1 of 2: .*crp_healthy.yaml ==" "$tmp/out" && grep -q "^== step 2 of 2: .*crp_depression.yaml ==" "$tmp/out" &&
  grep -q "^== check 1 of 1: .*crp_depression.yaml, at the values re-derived ==" "$tmp/out" && ok ||
  bad "a plan prints each stage: $(cat "$tmp/out")"
grep -q "^  drive_median  *1.616  *step 2  *model file 1.616  *same" "$tmp/out" && ok ||
  bad "a plan lists the values it re-derived, the step and the model file's value: $(cat "$tmp/out")"
grep -q "step 2 of 2 (.*crp_depression.yaml)" "$tmp/err" && grep -q "converged after" "$tmp/err" && ok ||
  bad "a plan reports each step's progress on stderr: $(cat "$tmp/err")"
# kept values reach later stages: healthy values carried, a check at them
plan p2.yaml "steps:\n  - $cal/crp_healthy.yaml\nchecks:\n  - $cal/crp_healthy.yaml\n  - $cal/crp_depression.yaml\n"
expect_rc 4 "a check at carried values that miss its targets" "$ms" calibrate "$tmp/p2.yaml" --quiet
sed -n '/^== check 1/,/^targets:/p' "$tmp/out" | grep -q "^  drive_median  *1.039" && ok ||
  bad "a check evaluates at the carried value, not the model file's: $(cat "$tmp/out")"
sed -n '/^== check 2/,$p' "$tmp/out" | grep -q "CRP > 3 mg/L in major depression .*OUTSIDE" && ok ||
  bad "a check at the healthy values misses the depression prevalences: $(cat "$tmp/out")"
grep -q "^  drive_median  *1.038[0-9]*  *step 1  *model file 1.616  *differs by 36 %" "$tmp/out" && ok ||
  bad "the summary says where a value differs from the model file: $(cat "$tmp/out")"
grep -q "2 targets outside their intervals in the plan's checks" "$tmp/err" && ok || bad "a plan's exit 4 says why: $(cat "$tmp/err")"
# keep: [] carries nothing; significant_digits rounds what is carried
plan p3.yaml "steps:\n  - {targets: $cal/crp_healthy.yaml, keep: []}\nchecks:\n  - $cal/crp_healthy.yaml\n"
expect_rc 4 "keep: [] carries nothing (the check sees the model file's values)" "$ms" calibrate "$tmp/p3.yaml" --quiet
plan p4.yaml "significant_digits: 2\nsteps:\n  - {targets: $cal/crp_healthy.yaml, keep: [drive_sigma]}\nchecks:\n  - $cal/crp_healthy.yaml\n"
"$ms" calibrate "$tmp/p4.yaml" --quiet > "$tmp/out" 2> "$tmp/err"
sed -n '/^== check 1/,/^targets:/p' "$tmp/out" | grep -q "^  drive_sigma  *0.99$" &&
  sed -n '/^== check 1/,/^targets:/p' "$tmp/out" | grep -q "^  drive_median  *1.616$" && ok ||
  bad "keep: names what is carried, rounded to significant_digits: $(cat "$tmp/out")"
# --from: later steps only, the earlier ones' values from the model file
expect_rc 0 "calibrate a plan --from 2" "$ms" calibrate "$tmp/p1.yaml" --from 2 --quiet
grep -q "^(steps 1 to 1 skipped" "$tmp/out" && ! grep -q "^== step 1" "$tmp/out" && ok || bad "--from 2 skips step 1: $(cat "$tmp/out")"
expect_rc 0 "calibrate a plan --evaluate" "$ms" calibrate "$tmp/p1.yaml" --evaluate --quiet
grep -q "^== step 2 of 2: .* (evaluated, not fitted) ==" "$tmp/out" && grep -q "nothing re-derived" "$tmp/out" &&
  grep -q "^== step 1 of 2: .*crp_healthy.yaml: not evaluated (it keeps nothing" "$tmp/out" && ok ||
  bad "a plan --evaluate fits nothing: $(cat "$tmp/out")"
expect_rc 2 "--from beyond the plan's steps" "$ms" calibrate "$tmp/p1.yaml" --from 3
expect_rc 2 "--from on a targets file" "$ms" calibrate "$cal/crp_healthy.yaml" --from 1
expect_rc 2 "--replicates on a plan" "$ms" calibrate "$tmp/p1.yaml" --evaluate --replicates 2
# errors in a plan name its file, line and column
refused_plan() { # description, body, message
  plan bad.yaml "$2"
  expect_rc 2 "$1" "$ms" calibrate "$tmp/bad.yaml"
  grep -q "bad.yaml:[0-9]*:[0-9]*: .*$3" "$tmp/err" && ok || bad "$1: the error names the plan's line and says '$3': $(cat "$tmp/err")"
}
refused_plan "keep: a parameter the step does not fit" "steps:\n  - {targets: $cal/crp_healthy.yaml, keep: [nat_mean]}\n" \
  "keep: 'nat_mean' is not fitted by"
refused_plan "a step whose file is missing" "steps:\n  - $tmp/nothing.yaml\n" "cannot open the targets file"
refused_plan "a stage that is not a targets file" "steps:\n  - $tmp/p1.yaml\n" "is not a targets file"
refused_plan "an unknown key in a step" "steps:\n  - {targets: $cal/crp_healthy.yaml, scenario: x.yaml}\n" "unknown"
refused_plan "significant_digits: 0" "significant_digits: 0\nsteps:\n  - $cal/crp_healthy.yaml\n" "significant_digits: expected a whole number"
refused_plan "no steps" "steps: []\n" "steps: expected a list of targets files"
plan bad.yaml "steps:\n  - $tmp/stop.yaml\n"
expect_rc 2 "a step calibrating another model" "$ms" calibrate "$tmp/bad.yaml"
grep -q "stop.yaml:[0-9]*:[0-9]*: this calibrates the model .*toy_model.yaml.*, not the plan's model" "$tmp/err" && ok ||
  bad "a step calibrating another model: the error names the step's file and line: $(cat "$tmp/err")"
# Ctrl-C in a plan: the step's best point so far; later stages not run
{ printf 'calibration: stop_plan\nmodel: %s/tests/trial/toy_model.yaml\nsteps:\n  - %s\n  - %s\n' "$src" "$tmp/stop.yaml" "$tmp/stop.yaml"; } > "$tmp/stop_plan.yaml"
interrupt_fit "$tmp/stop_plan.yaml"
[[ $rc -eq 130 ]] && grep -q "the plan was interrupted" "$tmp/stop.err" && grep -q "^best parameters so far:" "$tmp/stop.out" &&
  ! grep -q "^== step 2" "$tmp/stop.out" && ok || bad "an interrupted plan stops with the step's best point (exit $rc): $(cat "$tmp/stop.err" "$tmp/stop.out")"
"$ms" help calibrate | grep -q -- "--from" && ok || bad "calibrate help names --from"
# --write-model: a copy of the model with the values fitted or re-derived, nothing else changed
expect_rc 0 "calibrate --write-model (a targets file)" "$ms" calibrate "$cal/crp_healthy.yaml" --quiet --write-model "$tmp/healthy.yaml"
diff "$src/models/depression_inflammation.yaml" "$tmp/healthy.yaml" | grep '^[<>]' | sed 's/[0-9.]*$//' | sort | uniq -c |
  awk '{n += $1} END { exit !(n == 4) }' && grep -q "^    value: 1.038[0-9]*$" "$tmp/healthy.yaml" && ok ||
  bad "--write-model changes the two fitted values and nothing else: $(diff "$src/models/depression_inflammation.yaml" "$tmp/healthy.yaml")"
grep -q "wrote .*healthy.yaml: .*depression_inflammation.yaml with the 2 values re-derived" "$tmp/err" && ok || bad "--write-model says what it wrote: $(cat "$tmp/err")"
expect_rc 0 "the written model checks" "$ms" check "$tmp/healthy.yaml"
expect_rc 4 "calibrate a plan --write-model (its check missed: written all the same)" "$ms" calibrate "$tmp/p4.yaml" --quiet --write-model "$tmp/p4model.yaml"
diff "$src/models/depression_inflammation.yaml" "$tmp/p4model.yaml" | grep -c '^>' | grep -qx 1 &&
  grep -A1 "^  drive_sigma:" "$tmp/p4model.yaml" | grep -q "^    value: 0.99$" && ok ||
  bad "a plan writes its kept values, rounded: $(diff "$src/models/depression_inflammation.yaml" "$tmp/p4model.yaml")"
expect_rc 2 "--write-model with --evaluate" "$ms" calibrate "$tmp/p4.yaml" --evaluate --write-model "$tmp/x.yaml"
# a step's fit: fits only some of the targets file's parameters (the others
# held at the model's values) and max_evaluations: caps it
plan p5.yaml "steps:\n  - {targets: $cal/crp_depression.yaml, fit: [drive_sigma], max_evaluations: 4}\n"
expect_rc 0 "a step fitting one of its file's two parameters" "$ms" calibrate "$tmp/p5.yaml"
grep -q "^  drive_sigma  .* step 1 " "$tmp/out" && ! grep -q "^  drive_median  .* step 1 " "$tmp/out" && ok ||
  bad "the step re-derives drive_sigma only: $(cat "$tmp/out")"
grep -q "stopped after 4 evaluations (max_evaluations: of the targets file or the plan's step)" "$tmp/err" && ok ||
  bad "the step's max_evaluations: stops it: $(cat "$tmp/err")"
refused_plan "fit: a parameter the file does not fit" "steps:\n  - {targets: $cal/crp_healthy.yaml, fit: [nat_mean]}\n" \
  "fit: 'nat_mean' is not among the fit: parameters of"
refused_plan "keep: a parameter the step's fit: leaves out" \
  "steps:\n  - {targets: $cal/crp_healthy.yaml, fit: [drive_sigma], keep: [drive_median]}\n" \
  "keep: 'drive_median' is not fitted by this step"
refused_plan "max_evaluations: 0 in a step" "steps:\n  - {targets: $cal/crp_healthy.yaml, max_evaluations: 0}\n" \
  "max_evaluations: expected a whole number from 1"
expect_rc 2 "--write-model into a missing directory" "$ms" calibrate "$cal/crp_healthy.yaml" --quiet --write-model "$tmp/no/such/dir.yaml"
grep -q "dir.yaml: cannot write" "$tmp/err" && ok || bad "--write-model names the file it cannot write: $(cat "$tmp/err")"

# one option parser (getopt_long): --opt=value, -h, -V, "did you mean" for
# commands, options and --set names; whole numbers checked (no silent 0)
expect_rc 0 "--opt=value" "$ms" simulate "$src/tests/models/decay.yaml" --days=1 --every=6 --out="$tmp/eq.csv"
[[ $(wc -l < "$tmp/eq.csv") -eq 6 ]] && ok || bad "--days=1 --every=6: a header and 5 rows, got $(wc -l < "$tmp/eq.csv")"
expect_rc 0 "-V" "$ms" -V
grep -q "^moodsim [0-9]" "$tmp/out" && ok || bad "-V prints the version"
expect_rc 0 "-h after a command" "$ms" trial -h
grep -q "usage: moodsim trial" "$tmp/out" && ok || bad "trial -h prints the trial's help"
expect_rc 2 "a mistyped command" "$ms" simulat
grep -q "unknown command 'simulat' (did you mean 'simulate'?)" "$tmp/err" && ok || bad "did you mean a command: $(cat "$tmp/err")"
expect_rc 2 "a mistyped option" "$ms" simulate "$src/tests/models/decay.yaml" --dayz 1 --out "$tmp/x.csv"
grep -q "unknown option '--dayz' (did you mean '--days'?)" "$tmp/err" && ok || bad "did you mean an option: $(cat "$tmp/err")"
expect_rc 2 "a value for a flag" "$ms" trial --quiet=1 "$src/tests/trial/toy_scenario.yaml" --out "$tmp/q"
grep -q "option '--quiet' takes no value" "$tmp/err" && ok || bad "a flag with a value: $(cat "$tmp/err")"
expect_rc 2 "--set with a near name" "$ms" simulate "$src/tests/models/decay.yaml" --days 1 --set kk=1 --out "$tmp/x.csv"
grep -q "did you mean 'k'" "$tmp/err" && ok || bad "did you mean a parameter: $(cat "$tmp/err")"
expect_rc 2 "help for an unknown command" "$ms" help frobnicate
expect_rc 2 "cohort --seed 1e30" "$ms" cohort "$src/models/depression_inflammation.yaml" --n 2 --seed 1e30 --out "$tmp/c.csv"
expect_rc 2 "protocol --patient -1" "$ms" protocol show "$src/protocols/tms.yaml" --patient -1 --seed 1
expect_rc 2 "--weeks for events" "$ms" protocol events "$src/protocols/tms.yaml" --weeks 2
"$ms" --help | grep -q "4 calibrate: a target outside its interval" && ok || bad "the main help lists exit code 4"

# simulate a patient like mine: the first candidate of a cohort inside the
# profile's windows, said on stderr with the latent classes the model
# declares (class:); reproducible; the nominal patient's classes too
fm="$src/models/depression_inflammation.yaml"
expect_rc 0 "simulate the nominal patient" "$ms" simulate "$fm" --days 1 --every 24 --out "$tmp/nom.csv"
grep -q "^latent class tms_responder (can respond to TMS .*): no$" "$tmp/err" && ok || bad "the nominal patient's TMS class: $(cat "$tmp/err")"
expect_rc 0 "simulate a profile" "$ms" simulate "$fm" --days 1 --every 24 --out "$tmp/prof.csv" --hamd 24 --crp 6 --failed 2
h=$(sed -n 's/^patient: candidate [0-9]* of cohort seed 1 ([0-9]* screened); HAMD \([0-9.]*\) .*/\1/p' "$tmp/err")
c=$(sed -n 's/.*; CRP_mgL \([0-9.]*\) .*/\1/p' "$tmp/err")
within "${h:-0}" 22 26 "the drawn patient's HAMD within 24 +- 2 (got '$h')"
within "${c:-0}" 4.8 7.5 "the drawn patient's CRP within 6 / 1.25 to 6 x 1.25 (got '$c')"
grep -q "placebo_scale 0.4 (2 failed antidepressant trials)" "$tmp/err" && grep -q "^latent class ssri_responder " "$tmp/err" && ok ||
  bad "the profile's treatment resistance and classes said: $(cat "$tmp/err")"
awk -F, -v h="$h" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "HAMD") k = i } NR == 2 { d = $k - h; exit !(d > -0.06 && d < 0.06) }' "$tmp/prof.csv" && ok ||
  bad "the CSV is the drawn patient's (HAMD at t = 0 is $h)"
"$ms" simulate "$fm" --days 1 --every 24 --out "$tmp/prof2.csv" --hamd 24 --crp 6 --failed 2 2> /dev/null
cmp -s "$tmp/prof.csv" "$tmp/prof2.csv" && ok || bad "a profile's patient is reproducible"
expect_rc 2 "--failed with --set placebo_scale" "$ms" simulate "$fm" --days 1 --out "$tmp/x.csv" --failed 2 --set placebo_scale=1
expect_rc 2 "--crp 0" "$ms" simulate "$fm" --days 1 --out "$tmp/x.csv" --crp 0
expect_rc 2 "--hamd on a model without HAMD" "$ms" simulate "$src/tests/models/decay.yaml" --days 1 --out "$tmp/x.csv" --hamd 20
grep -q "has no observable HAMD" "$tmp/err" && ok || bad "--hamd without HAMD: $(cat "$tmp/err")"
expect_rc 2 "a profile no patient fits" "$ms" simulate "$fm" --days 1 --out "$tmp/x.csv" --crp 5000
grep -q "fits the profile" "$tmp/err" && ok || bad "an impossible profile said: $(cat "$tmp/err")"

# trial --set NAME=VALUE: every patient of every arm, recorded in run.txt
# for --resume, and in the report's command line
ts="$src/tests/trial/toy_scenario.yaml"
expect_rc 0 "trial --set" "$ms" trial "$ts" --out "$tmp/ts1" --set p_max=0.9 --quiet --one-setting
expect_rc 0 "trial without --set" "$ms" trial "$ts" --out "$tmp/ts0" --quiet --one-setting
cmp -s "$tmp/ts0/endpoints.csv" "$tmp/ts1/endpoints.csv" && bad "trial --set p_max=0.9 changed nothing" || ok
grep -qx "set p_max=0.9" "$tmp/ts1/run.txt" && ok || bad "run.txt records the --set: $(cat "$tmp/ts1/run.txt")"
grep -q "moodsim trial .*--set p_max=0.9" "$tmp/ts1/report.html" && ok || bad "the report's command line has the --set"
expect_rc 2 "trial --set of no parameter" "$ms" trial "$ts" --out "$tmp/ts2" --set p_maxx=1 --quiet
grep -q "did you mean 'p_max'" "$tmp/err" && ok || bad "trial --set names the parameter: $(cat "$tmp/err")"
expect_rc 2 "--resume with --set" "$ms" trial --resume "$tmp/ts1" --set p_max=1

# values that are not numbers are failures, not results: simulate keeps the
# rows before the first (exit 3); a trial in which every simulation fails
# exits 3 (its failures.csv says why)
cat > "$tmp/nan.yaml" <<'YAML'
model: nan_observable
states:
  x: {unit: "1", initial: 1}
odes:
  x: -x
observables:
  y: {expr: ln(x - 0.5), unit: "1"}
YAML
expect_rc 3 "simulate with an observable that becomes NaN" "$ms" simulate "$tmp/nan.yaml" --days 1 --every 0.25 --out "$tmp/nan.csv"
grep -q "'y' is not a number at t = 0.75 h" "$tmp/err" && ok || bad "NaN named with its time: $(cat "$tmp/err")"
[[ $(wc -l < "$tmp/nan.csv") -eq 4 ]] && ok || bad "the 3 rows before the NaN kept: $(cat "$tmp/nan.csv")"
expect_rc 3 "a trial where every simulation fails" "$ms" trial "$src/tests/trial/failing_scenario.yaml" --out "$tmp/allfail" --set c=1 --quiet
grep -q "every simulation failed" "$tmp/err" && ok || bad "all failed said: $(cat "$tmp/err")"
[[ $(wc -l < "$tmp/allfail/failures.csv") -gt 1 ]] && ok || bad "failures.csv lists them"

# NONMEM tables: ADDL/II expand to the doses they stand for (the same
# simulation as the rows written out); DV/MDV and observation rows are allowed
printf 'ID,TIME,EVID,CMT,AMT,RATE,ADDL,II,DV,MDV\n1,0,1,1,100,0,2,12,.,1\n1,30,0,1,0,0,.,.,3.2,0\n' > "$tmp/addl.csv"
printf 'ID,TIME,EVID,CMT,AMT,RATE\n1,0,1,1,100,0\n1,12,1,1,100,0\n1,24,1,1,100,0\n' > "$tmp/rows.csv"
expect_rc 0 "simulate with ADDL/II" "$ms" simulate "$src/tests/models/one_compartment.yaml" --protocol "$tmp/addl.csv" --days 2 --out "$tmp/addl_sim.csv"
expect_rc 0 "simulate with the doses written out" "$ms" simulate "$src/tests/models/one_compartment.yaml" --protocol "$tmp/rows.csv" --days 2 --out "$tmp/rows_sim.csv"
cmp -s "$tmp/addl_sim.csv" "$tmp/rows_sim.csv" && ok || bad "ADDL 2 II 12 is not three doses 12 h apart"

# a large sparse model loads in time linear in its size: a chain of 100,000
# states (the Jacobian was differentiated along every pair of states, so
# 20,000 took a minute and this never finished); the timeout guards against
# a return of that, it does not time anything
python3 -c '
n = 100000
print("model: chain\nstates:")
for i in range(n): print("  x%d: {unit: \"1\", initial: %d}" % (i, i == 0))
print("parameters:\n  k: {value: 0.5, unit: 1/h, hypothesis: test value}\nodes:\n  x0: -k * x0")
for i in range(1, n): print("  x%d: k * x%d - k * x%d" % (i, i - 1, i))' > "$tmp/chain.yaml"
timeout 300 "$ms" check "$tmp/chain.yaml" > "$tmp/chain.txt" 2>&1 && ok || bad "a 100,000-state chain did not load within 300 s"
grep -q "exact Jacobian: 199999 nonzero entries" "$tmp/chain.txt" && ok || bad "the chain's Jacobian: $(grep Jacobian "$tmp/chain.txt")"

# a calibration naming a model that is not there: located in the calibration
sed 's|^model: .*|model: no_such_model.yaml|' "$src/calibration/crp_healthy.yaml" > "$tmp/cal_missing.yaml"
expect_rc 2 "calibrate with a missing model" "$ms" calibrate "$tmp/cal_missing.yaml" --evaluate
grep -q "cal_missing.yaml:[0-9]*:[0-9]*: the model named here: .*no_such_model.yaml: cannot open" "$tmp/err" && ok ||
  bad "the missing model located in the calibration file: $(cat "$tmp/err")"

# validate takes a plan as its stages: each step's targets and each check's,
# but not a step that keeps nothing (another population's values)
expect_rc 0 "validate a plan" "$ms" validate "$tmp/p1.yaml" --quiet
[ "$(grep -c '^C    crp_in_depression ' "$tmp/out")" = 2 ] && ! grep -q "crp_in_healthy" "$tmp/out" && ok ||
  bad "the plan's two stages that keep values, as calibration entries: $(cat "$tmp/out")"

# validate: a suite of published results (targets files), each evaluated at
# the model's values; role: validation entries are never fitted.  The closed-
# form factorial: H = H0 exp(-k t) in each arm, so an arm's mean at week 4
# over its mean at baseline is exp(-k * 672) exactly, whatever the patients
cf="$src/tests/trial/closed_form_scenario.yaml"
val_entry() { # FILE ROLE EXTRA-TOP-LINES TARGETS
  printf 'calibration: %s\nrole: %s\nscenario: %s\n%stargets:\n%s' "$(basename "$1" .yaml)" "$2" "$cf" "$3" "$4" > "$1"
}
ratio_t='  - {name: A_ratio, statistic: observable_ratio, observable: HAMD, arm: A, week: 4, value: 0.2608, tolerance: 0.001, source: closed form}
  - {name: A_mean0, statistic: observable_mean, observable: HAMD, arm: A, week: 0, value: 24, tolerance: 3, source: closed form}
  - {name: smd_AB, statistic: smd_change, arm: A, minus_arm: B, value: 2.2, tolerance: 0.5, source: closed form}
'
mkdir -p "$tmp/suite"
val_entry "$tmp/suite/a_entry.yaml" validation "" "$ratio_t"
expect_rc 0 "validate one entry" "$ms" validate "$tmp/suite/a_entry.yaml" --quiet
r=$(awk '$1 == "A_ratio" { print $5 }' "$tmp/out")
within "$r" 0.26079 0.26081 "observable_ratio is exp(-kA * 4 weeks) = 0.26080 (got $r)"
grep -q "^V    a_entry" "$tmp/out" && ok || bad "the entry is shown as a validation entry: $(cat "$tmp/out")"
# smd_change by hand: the arms' changes are -H0 (1 - e) with e = exp(-k T), so
# g = (mean H0 / SD H0) (eB - eA) / sqrt(((1 - eA)^2 + (1 - eB)^2) / 2) * J
"$ms" trial "$cf" --out "$tmp/cf_run" --quiet > /dev/null 2>&1
want=$(awk -F, 'NR > 1 && $1 == "control" { n++; s += $3; ss += $3 * $3 }
  END { m = s / n; sd = sqrt((ss - n * m * m) / (n - 1)); ea = exp(-0.002 * 672); eb = exp(-0.001 * 672)
        printf "%.4f", m / sd * (eb - ea) / sqrt(((1 - ea)^2 + (1 - eb)^2) / 2) * (1 - 3 / (4 * 2 * n - 9)) }' "$tmp/cf_run/endpoints.csv")
got=$(awk '$1 == "smd_AB" { print $5 }' "$tmp/out")
within "$(awk -v a="$got" -v b="$want" 'BEGIN { print a - b }')" -0.002 0.002 "smd_change $got is Hedges' g by hand ($want)"
expect_rc 2 "calibrate refuses to fit a validation entry" "$ms" calibrate "$tmp/suite/a_entry.yaml"
grep -q "a_entry.yaml:2:7: this is a validation entry (role: validation): its figures test the model and are never fitted to" "$tmp/err" && ok ||
  bad "refusal to fit, located: $(cat "$tmp/err")"
expect_rc 0 "calibrate --evaluate a validation entry" "$ms" calibrate "$tmp/suite/a_entry.yaml" --evaluate
val_entry "$tmp/v_fit.yaml" validation $'fit:\n  kA: {start: 0.002, lower: 0.001, upper: 0.003}\n' "$ratio_t"
expect_rc 2 "a validation entry with fit:" "$ms" validate "$tmp/v_fit.yaml"
grep -q "v_fit.yaml:5:3: a validation entry (role: validation) has no fit:" "$tmp/err" && ok || bad "fit: in a validation entry: $(cat "$tmp/err")"
val_entry "$tmp/v_role.yaml" judged "" "$ratio_t"
expect_rc 2 "role: judged" "$ms" validate "$tmp/v_role.yaml"
grep -q "v_role.yaml:2:7: role: expected calibration .* or validation" "$tmp/err" && ok || bad "bad role: $(cat "$tmp/err")"
val_entry "$tmp/v_fitted.yaml" validation "" '  - {name: x, statistic: mean_final, arm: A, value: 1, tolerance: 1, fitted: false, source: s}
'
expect_rc 2 "fitted: in a validation entry" "$ms" validate "$tmp/v_fitted.yaml"
grep -q "fitted: has no place in a validation entry" "$tmp/err" && ok || bad "fitted: refused: $(cat "$tmp/err")"
val_entry "$tmp/v_noobs.yaml" validation "" '  - {name: x, statistic: observable_ratio, arm: A, value: 1, tolerance: 1, source: s}
'
expect_rc 2 "observable_ratio without observable:" "$ms" validate "$tmp/v_noobs.yaml"
grep -q "v_noobs.yaml:5:5: a observable_ratio target needs observable:" "$tmp/err" && ok || bad "observable: required: $(cat "$tmp/err")"
val_entry "$tmp/v_smd.yaml" validation "" '  - {name: x, statistic: smd_change, arm: A, value: 1, tolerance: 1, source: s}
'
expect_rc 2 "smd_change without minus_arm:" "$ms" validate "$tmp/v_smd.yaml"
grep -q "a smd_change target needs minus_arm:" "$tmp/err" && ok || bad "minus_arm: required: $(cat "$tmp/err")"
val_entry "$tmp/v_obs.yaml" validation "" '  - {name: x, statistic: mean_final, observable: HAMD, arm: A, value: 1, tolerance: 1, source: s}
'
expect_rc 2 "observable: on a score statistic" "$ms" validate "$tmp/v_obs.yaml"
grep -q "observable: belongs to cohort targets and to observable_mean and observable_ratio" "$tmp/err" && ok || bad "observable: refused: $(cat "$tmp/err")"
# remission_kept: of the remitters at from_week, the share in remission at
# every visit up to week; on the closed form every score only falls, so it
# is 1 exactly
val_entry "$tmp/v_kept.yaml" validation "" '  - {name: AB_kept, statistic: remission_kept, arm: AB, from_week: 2, week: 4, value: 1, tolerance: 0.001, source: closed form}
'
expect_rc 0 "remission_kept on scores that only fall" "$ms" validate "$tmp/v_kept.yaml" --quiet
grep -q "^     AB_kept  *1 \[0.999, 1.001\]  *1 \[1, 1\]  *yes" "$tmp/out" && ok || bad "remission_kept is 1: $(cat "$tmp/out")"
val_entry "$tmp/v_kept2.yaml" validation "" '  - {name: x, statistic: remission_kept, arm: AB, week: 4, value: 1, tolerance: 0.1, source: s}
'
expect_rc 2 "remission_kept without from_week:" "$ms" validate "$tmp/v_kept2.yaml"
grep -q "a remission_kept target needs from_week: (the visit of the first remission)" "$tmp/err" && ok || bad "from_week: required: $(cat "$tmp/err")"
# population: FILE sets its values in every arm, under an arm's own set:;
# every value names its source or hypothesis, and the report shows them
pop_scen() { # FILE POPULATION ARM-A-EXTRA
  sed -e "s|^model: |model: $src/tests/trial/|" -e "s|protocol: on_|protocol: $src/tests/trial/on_|g" \
      -e "s|^randomisation: matched|randomisation: matched\npopulation: $2|" \
      -e "s|{name: A, protocol: \([^}]*\)}|{name: A, protocol: \1$3}|" "$cf" > "$1"
}
printf 'population: slow_a\nlabel: Slower on A\nvalues:\n  kA: {value: 0.001, source: a test value}\n' > "$tmp/pop.yaml"
pop_scen "$tmp/pop_s.yaml" "$tmp/pop.yaml" ""
printf 'calibration: pop\nrole: validation\nscenario: %s\ntargets:\n%s' "$tmp/pop_s.yaml" "$ratio_t" > "$tmp/pop_t.yaml"
"$ms" validate "$tmp/pop_t.yaml" --quiet > "$tmp/out" 2>&1
r=$(awk '$1 == "A_ratio" { print $5 }' "$tmp/out")
within "$r" 0.51068 0.51070 "the population's kA = 0.001 in arm A: exp(-0.001 * 672) = 0.51069 (got $r)"
pop_scen "$tmp/pop_s2.yaml" "$tmp/pop.yaml" ", set: {kA: 0.002}"
sed "s|$tmp/pop_s.yaml|$tmp/pop_s2.yaml|" "$tmp/pop_t.yaml" > "$tmp/pop_t2.yaml"
"$ms" validate "$tmp/pop_t2.yaml" --quiet > "$tmp/out" 2>&1
r=$(awk '$1 == "A_ratio" { print $5 }' "$tmp/out")
within "$r" 0.26079 0.26081 "an arm's own set: kA = 0.002 wins over the population's (got $r)"
expect_rc 0 "a trial with a population" "$ms" trial "$tmp/pop_s.yaml" --out "$tmp/pop_run" --quiet --one-setting
grep -q "<tr><th>Population</th><td><code>slow_a</code> Slower on A.*<code>kA</code> = 0.001 — source: a test value" "$tmp/pop_run/report.html" && ok ||
  bad "the report shows the population and what its values rest on"
printf 'population: bare\nvalues:\n  kA: {value: 0.001}\n' > "$tmp/pop_bad.yaml"
pop_scen "$tmp/pop_s3.yaml" "$tmp/pop_bad.yaml" ""
expect_rc 2 "a population value without a source" "$ms" trial "$tmp/pop_s3.yaml" --out "$tmp/pop_run3" --quiet
grep -q "pop_s3.yaml:7:13: in the population: .*pop_bad.yaml:3:7: 'kA' needs a source: or a hypothesis:" "$tmp/err" && ok ||
  bad "an unsourced population value, located: $(cat "$tmp/err")"
printf 'population: wrong\nvalues:\n  kZ: {value: 1, hypothesis: none}\n' > "$tmp/pop_bad.yaml"
expect_rc 2 "a population value of no parameter" "$ms" trial "$tmp/pop_s3.yaml" --out "$tmp/pop_run3" --quiet
grep -q "pop_bad.yaml:3:3: 'kZ' is not a parameter of model" "$tmp/err" && ok || bad "a population's unknown name: $(cat "$tmp/err")"
# ja: the Japanese texts of a scenario (question, description, arm labels),
# shown by a Japanese report in place of the others, and never by an
# English one; an arm that is not there, or an unknown text, is refused
ja_scen() { # FILE JA-BLOCK
  { sed -e "s|^model: |model: $src/tests/trial/|" -e "s|protocol: on_|protocol: $src/tests/trial/on_|g" "$cf"; printf '%s\n' "$2"; } > "$1"
}
ja_scen "$tmp/ja_s.yaml" $'ja:\n  question: "日本語の問い"\n  arms: {A: 甲群}'
expect_rc 0 "a Japanese report of a scenario with ja:" "$ms" trial "$tmp/ja_s.yaml" --out "$tmp/ja_run" --lang ja --quiet --one-setting
grep -q "<h2>問い</h2><p>日本語の問い" "$tmp/ja_run/report.html" && grep -q "<h3>甲群</h3>" "$tmp/ja_run/report.html" && ok ||
  bad "the Japanese report shows the ja: question and arm label"
expect_rc 0 "an English report of the same scenario" "$ms" trial "$tmp/ja_s.yaml" --out "$tmp/en_run" --quiet --one-setting
! grep -q "日本語の問い\|甲群" "$tmp/en_run/report.html" && ok || bad "the English report shows no ja: text"
ja_scen "$tmp/ja_bad.yaml" $'ja:\n  arms: {Z: 乙}'
expect_rc 2 "ja: arms: an arm that is not there" "$ms" trial "$tmp/ja_bad.yaml" --out "$tmp/ja_bad_run" --quiet
grep -q "ja_bad.yaml:[0-9]*:[0-9]*: ja: arms: 'Z' is not an arm of the scenario" "$tmp/err" && ok || bad "ja: arms: unknown arm: $(cat "$tmp/err")"
ja_scen "$tmp/ja_bad.yaml" $'ja:\n  title: x'
expect_rc 2 "ja: an unknown text" "$ms" trial "$tmp/ja_bad.yaml" --out "$tmp/ja_bad_run" --quiet
grep -q "unknown key 'title' in ja:" "$tmp/err" && ok || bad "ja: unknown key: $(cat "$tmp/err")"
printf 'protocol: p\ntreatments:\n  a:\n    input: a\n    kind: level\n    level: 1\n    schedule: [{on_days: [0]}]\nja: {summary: x}\n' > "$tmp/ja_p.yaml"
expect_rc 2 "a protocol's ja: with an unknown text" "$ms" protocol show "$tmp/ja_p.yaml"
grep -q "unknown key 'summary' in ja:" "$tmp/err" && ok || bad "protocol ja: unknown key: $(cat "$tmp/err")"
# a suite with a broken entry: the others still run and are reported, exit 2,
# and --out writes the table through a temporary file
cp "$tmp/v_smd.yaml" "$tmp/suite/b_broken.yaml"
val_entry "$tmp/suite/c_calib.yaml" calibration "" "$ratio_t"
echo "old" > "$tmp/suite.md"
expect_rc 2 "a suite with a broken entry" "$ms" validate "$tmp/suite" --out "$tmp/suite.md" --quiet
grep -q "^V    a_entry" "$tmp/out" && grep -q "^C    c_calib" "$tmp/out" && grep -q "b_broken.yaml: could not be evaluated" "$tmp/out" && ok ||
  bad "the good entries are reported beside the broken one: $(cat "$tmp/out")"
grep -q "^| validation | a_entry | A_ratio | 0.2608 \[0.2598, 0.2618\] | 0.2608 " "$tmp/suite.md" && ! grep -q '^old' "$tmp/suite.md" && ok ||
  bad "the Markdown table: $(head -5 "$tmp/suite.md")"
grep -q "validation: 3 of 3 figures inside the published interval (1 entry, never fitted); calibration: 3 of 3 (1 entry)" "$tmp/out" && ok ||
  bad "the suite's summary line: $(tail -2 "$tmp/out")"
expect_rc 0 "--only validation" "$ms" validate "$tmp/suite/a_entry.yaml" "$tmp/suite/c_calib.yaml" --only validation --quiet
! grep -q "c_calib" "$tmp/out" && ok || bad "--only validation left out the calibration entry"
expect_rc 2 "validate a missing path" "$ms" validate "$tmp/no_such_dir"
expect_rc 2 "--only bogus" "$ms" validate "$tmp/suite" --only bogus

# TMS dosed in pulses: a session's pulses: sets its level to pulses per hour
# (the flagship's tms is in pulses/h); pulses: on another input, or a session
# on a pulses/h input without pulses:, is refused
flag="$src/models/depression_inflammation.yaml"
expect_rc 0 "protocol show with pulses" "$ms" protocol show "$src/protocols/tms.yaml" --weeks 1
grep -q "session of 30 min, 3000 pulses on 'tms'" "$tmp/out" && ok || bad "pulses shown: $(grep 'T  tms' "$tmp/out")"
expect_rc 0 "protocol events with pulses" "$ms" protocol events "$src/protocols/tms.yaml" --model "$flag"
awk -F, 'NR == 2 && $10 == 6000 { f = 1 } END { exit !f }' "$tmp/out" && ok || bad "3000 pulses in 30 min is a level of 6000 pulses/h: $(sed -n 2p "$tmp/out")"
sed 's/    pulses: 3000.*//' "$src/protocols/tms.yaml" > "$tmp/nopulses.yaml"
expect_rc 2 "a session on a pulses/h input without pulses:" "$ms" protocol events "$tmp/nopulses.yaml" --model "$flag"
grep -q "nopulses.yaml:[0-9]*:[0-9]*: input 'tms' of treatment 'tms' is dosed in pulses (pulses/h); expected pulses:" "$tmp/err" && ok || bad "missing pulses: $(cat "$tmp/err")"
sed 's/input: tms$/input: tms_sham/' "$src/protocols/tms.yaml" > "$tmp/shampulses.yaml"
expect_rc 2 "pulses: on an input not in pulses/h" "$ms" protocol events "$tmp/shampulses.yaml" --model "$flag"
grep -q "gives pulses:, but input 'tms_sham' has unit '1'; pulses: needs an input in pulses/h" "$tmp/err" && ok || bad "pulses on tms_sham: $(cat "$tmp/err")"
sed 's/    pulses: 3000.*/    pulses: 3000\n    level: 2/' "$src/protocols/tms.yaml" > "$tmp/bothpulses.yaml"
expect_rc 2 "both level: and pulses:" "$ms" protocol show "$tmp/bothpulses.yaml"
grep -q "both level: and pulses:; expected one" "$tmp/err" && ok || bad "level and pulses: $(cat "$tmp/err")"

# course inputs: 1 from a treatment's first dose to its last plus the median
# interval between doses (at least a day); a gap over 28 days starts another
# course.  X' = in_course integrates the course: doses on days 0, 2, 4 make a
# course of days 0-6 (144 h); doses on days 40 and 41 another of 40-43 (72 h:
# the tail is the input's median interval, 2 days)
cat > "$tmp/course.yaml" <<'YAML'
model: course_test
states:
  X: {unit: h, initial: 0}
  D: {unit: mg, initial: 0}
parameters:
  k: {value: 1, unit: 1/h, hypothesis: test value}
inputs:
  in_course: {kind: course, unit: "1"}
  pill: {kind: bolus, unit: mg, target: D, course: in_course}
  other: {kind: level, unit: "1", course: none}
odes:
  X: in_course
  D: -k * D
YAML
cat > "$tmp/course_prot.yaml" <<'YAML'
protocol: course_doses
doses:
  - {input: pill, at_d: 0, amount: 1, every_d: 2, times: 3}
  - {input: pill, at_d: 40, amount: 1, every_d: 1, times: 2}
YAML
expect_rc 0 "a course input" "$ms" simulate "$tmp/course.yaml" --protocol "$tmp/course_prot.yaml" --days 50 --every 24 --out "$tmp/course.csv"
x10=$(awk -F, '$1 == 240 { print $2 }' "$tmp/course.csv"); x50=$(awk -F, '$1 == 1200 { print $2 }' "$tmp/course.csv")
within "$x10" 143.999 144.001 "course of doses on days 0, 2, 4 lasts to day 6 (X at day 10: $x10 h)"
within "$x50" 215.999 216.001 "a second course after a 36-day gap adds days 40-43 (X at day 50: $x50 h)"
sed 's/course: none/kind2: x/; s/, kind2: x//' "$tmp/course.yaml" | sed 's/  other: {kind: level, unit: "1"}/  other: {kind: level, unit: "1"}/' > "$tmp/course_undeclared.yaml"
sed -i 's/  other: {kind: level, unit: "1", course: none}/  other: {kind: level, unit: "1"}/' "$tmp/course_undeclared.yaml"
expect_rc 2 "an input that does not declare its course" "$ms" check "$tmp/course_undeclared.yaml"
grep -q "course_undeclared.yaml:10:3: input 'other' does not say whether it counts as a course of treatment; expected course: NAME" "$tmp/err" && ok ||
  bad "undeclared course, located: $(cat "$tmp/err")"
sed 's/course: in_course}/course: pill}/' "$tmp/course.yaml" > "$tmp/course_bad.yaml"
expect_rc 2 "course: naming an input that is not a course input" "$ms" check "$tmp/course_bad.yaml"
grep -q "course: 'pill' of input 'pill' is not a course input (kind: course)" "$tmp/err" && ok || bad "course: pill: $(cat "$tmp/err")"
printf 'protocol: drive_course\ndoses:\n  - {input: in_course, at_h: 0, level: 1, duration_h: 2}\n' > "$tmp/course_drive.yaml"
expect_rc 2 "a dose on a course input" "$ms" simulate "$tmp/course.yaml" --protocol "$tmp/course_drive.yaml" --days 1 --out "$tmp/cd.csv"
grep -q "'in_course' is a course input: the engine sets it" "$tmp/err" && ok || bad "driving a course input: $(cat "$tmp/err")"

# a claims counterpart whose simulations fail: the main run (claim null)
# succeeds; as claimed, H' = blow H^2 blows up within hours.  The CLI and
# the report say how many of the counterpart's simulations failed and why
# (they were once only a smaller n in its summary)
cat > "$tmp/blow.yaml" <<'YAML'
model: blow_up_claim
states:
  H: {unit: points, initial: H0}
parameters:
  H0:   {value: 24, unit: points, hypothesis: test value}
  blow: {value: 0, as_claimed: 1, unit: 1/(points*h), hypothesis: test claim (null 0)}
variability:
  H0: {dist: normal, mean: 24, sd: 2, lower: 18, upper: 30, hypothesis: test distribution}
odes:
  H: blow * H^2 - 0.001 * H
observables:
  HAMD: {expr: H, unit: points}
YAML
printf 'scenario: blow\nmodel: %s\nseed: 3\npatients_per_arm: 5\narms:\n  - {name: untreated}\nvisits_weeks: [0, 1]\nendpoints: {score: HAMD}\nanalysis: {bootstrap: 100, max_per_arm: 50}\n' \
  "$tmp/blow.yaml" > "$tmp/blow_sc.yaml"
expect_rc 0 "a trial whose counterpart fails" "$ms" trial "$tmp/blow_sc.yaml" --out "$tmp/blow_run"
grep -q "^5 candidates screened, 5 included, 0 simulations failed" "$tmp/out" &&
  grep -q "^claims as-claimed (the same patients again; .*; 5 simulations failed: report.html lists the first):" "$tmp/out" && ok ||
  bad "the counterpart's failures on the CLI: $(cat "$tmp/out")"
grep -q "<p>as-claimed: 5</p><ul><li>untreated #0: " "$tmp/blow_run/report.html" && ok ||
  bad "the counterpart's failures in the report: $(grep -o '<h2>Failures.\{0,300\}' "$tmp/blow_run/report.html")"

# decision rules (rules:, evaluated at assessments) against results by hand
# on the one-compartment model (k = 0.125/h): the rule redoses at 37 and 61 h
# and then has no course left; A(96 h) = 100 (e^-12 + e^-7.375 + e^-4.375)
oc="$src/tests/models/one_compartment.yaml"
expect_rc 0 "a protocol with a redosing rule" "$ms" simulate "$oc" --days 4 --every 24 \
  --protocol "$src/tests/protocols/redose_when_low.yaml" --out "$tmp/redose.csv" --events "$tmp/redose_ev.csv"
[[ "$(awk -F, 'NR > 1 { printf "%s/%s ", $1, $6 }' "$tmp/redose_ev.csv")" == "0/first 37/redose 61/redose " ]] && ok ||
  bad "the redosing rule's events: $(cut -d, -f1,6 "$tmp/redose_ev.csv" | tr '\n' ' ')"
grep -q "decision rules acted 2 times, starting 2 courses; 3 events given" "$tmp/err" && ok || bad "simulate says what the rules did: $(cat "$tmp/err")"
want=$(awk 'BEGIN { printf "%.12g", 100 * (exp(-12) + exp(-0.125 * 59) + exp(-0.125 * 35)) }')
within "$(awk -F, -v w="$want" '$1 == 96 { print $2 / w }' "$tmp/redose.csv")" 0.9999999 1.0000001 "A(96 h) after two rule-started courses ($want by hand)"
# the same with the other integrator, and the NONMEM export of what was given
expect_rc 0 "rules with dirk" "$ms" simulate "$oc" --days 4 --every 24 --method dirk \
  --protocol "$src/tests/protocols/redose_when_low.yaml" --out "$tmp/redose_dirk.csv" --events "$tmp/redose.nm" --events-format nonmem
within "$(awk -F, -v w="$want" '$1 == 96 { print $2 / w }' "$tmp/redose_dirk.csv")" 0.999999 1.000001 "A(96 h), dirk"
[[ $(grep -c '^1,' "$tmp/redose.nm") -eq 3 ]] && ok || bad "NONMEM export of the given doses: $(cat "$tmp/redose.nm")"
# stop: 50 mg daily (CL 0.25 L/h, k = 0.0125/h) stopped once C > 3 at 36 h:
# days 2 and 3 not given; A(96 h) = 50 (e^-1.2 + e^-0.9)
expect_rc 0 "a protocol with a stop rule" "$ms" simulate "$oc" --set CL=0.25 --days 4 --every 24 \
  --protocol "$src/tests/protocols/stop_when_high.yaml" --out "$tmp/stop.csv" --events "$tmp/stop_ev.csv"
[[ $(awk -F, 'NR > 1' "$tmp/stop_ev.csv" | wc -l) -eq 2 ]] && ok || bad "the stop rule's events: $(cat "$tmp/stop_ev.csv")"
want=$(awk 'BEGIN { printf "%.12g", 50 * (exp(-1.2) + exp(-0.9)) }')
within "$(awk -F, -v w="$want" '$1 == 96 { print $2 / w }' "$tmp/stop.csv")" 0.9999999 1.0000001 "A(96 h) after the stop ($want by hand)"
# the calendar before any rule acts, and the rule in words
expect_rc 0 "protocol show with rules" "$ms" protocol show "$src/tests/protocols/redose_when_low.yaml"
grep -q "rule low: at each assessment (daily on days 0-3 at 12:00): when C is below 1, start course 'redose' (1 day: redose: bolus dose of 100 mg on 'dose' at 13:00: daily on day 0), at most 2 courses" "$tmp/out" && ok ||
  bad "the rule in words: $(grep 'rule low' "$tmp/out")"
expect_rc 0 "protocol events with rules" "$ms" protocol events "$src/tests/protocols/redose_when_low.yaml"
grep -q "has decision rules; these are its calendar's events before any rule acts" "$tmp/err" && ok || bad "protocol events says the rules are not in its table"
expect_rc 2 "--events without --protocol" "$ms" simulate "$oc" --days 1 --out "$tmp/x.csv" --events "$tmp/x_ev.csv"

finish "cli"
