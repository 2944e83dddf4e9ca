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

# the page in Japanese: the same sensitivity.csv (English keys), the words
# and the arms' labels in Japanese
"$ms" sensitivity "$sc" --out "$out/ja" --method oat --tipping --lang ja --quiet > /dev/null 2>&1 && ok || bad "--lang ja"
cmp -s "$out/oat/sensitivity.csv" "$out/ja/sensitivity.csv" && ok || bad "sensitivity.csv depends on --lang"
grep -q '<html lang="ja">' "$out/ja/sensitivity.html" && grep -q "<code>p1</code> = 0.667 で閾値（最小重要差の改善）に届く" "$out/ja/sensitivity.html" &&
  grep -q "<h2>on 対 off: 平均変化</h2>" "$out/ja/sensitivity.html" && ok || bad "the Japanese page: $(grep -o '<h2>[^<]*' "$out/ja/sensitivity.html" | head -2)"

# moodsim trial --sensitivity: the analysis after the trial, its section in
# the report (figures embedded), its sensitivity.csv that of the command
# (one at a time with the tipping points), kept in run.txt for --resume
"$ms" trial "$sc" --out "$out/tr" --sensitivity oat --threads 1 --quiet > "$out/tr.txt" 2>&1 && ok || { bad "trial --sensitivity oat"; cat "$out/tr.txt" >&2; }
grep -q '<h2 id=sensitivity>What this answer rests on</h2>' "$out/tr/report.html" &&
  grep -q "It reaches the threshold (an improvement of the MID) at <code>p1</code> = 0.667" "$out/tr/report.html" &&
  grep -q 'alt="on vs off: mean change" src="data:image/svg+xml;base64,' "$out/tr/report.html" && ok || bad "the trial report's section"
cmp -s "$out/tr/sensitivity.csv" "$out/oat/sensitivity.csv" && ok || bad "trial --sensitivity oat and sensitivity --method oat --tipping differ"
"$ms" trial "$sc" --out "$out/tr0" --threads 1 --quiet > /dev/null 2>&1 && grep -q "run the trial with <code>--sensitivity oat</code>" "$out/tr0/report.html" &&
  ! grep -q "id=sensitivity" "$out/tr0/report.html" && ok || bad "a report without the analysis says how to get it"
[[ ! -e "$out/tr/sensitivity.journal" ]] && grep -qx "sensitivity oat" "$out/tr/run.txt" && ok || bad "run.txt keeps --sensitivity; the journal is gone"
"$ms" trial "$sc" --out "$out/x" --sensitivity anova > /dev/null 2>&1; [[ $? -eq 2 ]] && ok || bad "--sensitivity anova is a usage error"

# Ctrl-C and --resume: an analysis stopped part-way (exit 130, the finished
# trajectories analysed) and resumed gives the same sensitivity.csv, byte
# for byte, as one run through, running again only the trials it had not
# finished (a record cut short at the end of the journal is run again);
# once complete, the journal and the arguments file are gone.  A new
# analysis into a directory with an unfinished one is refused; so is a
# resume after the scenario changed, or of a damaged journal.
"$ms" sensitivity "$sc" --out "$out/full" --trajectories 300 --quiet > "$out/full.txt" 2>&1 && ok || bad "the uninterrupted analysis"
"$ms" sensitivity "$sc" --out "$out/int" --trajectories 300 > "$out/int.txt" 2>&1 &
pid=$!
for _ in $(seq 1 400); do
  [[ -f "$out/int/sensitivity.journal" ]] && (( $(wc -l < "$out/int/sensitivity.journal") > 30 )) && break
  sleep 0.02
done
kill -INT $pid; wait $pid; rc=$?
[[ $rc -eq 130 ]] && ok || bad "Ctrl-C: exit $rc, expected 130 ($(tail -2 "$out/int.txt"))"
grep -q "stopped early: moodsim sensitivity --resume DIR continues" "$out/int.txt" && ok || bad "the stop says how to resume: $(tail -3 "$out/int.txt")"
[[ -s "$out/int/sensitivity.journal" && -s "$out/int/sensitivity-run.txt" && -s "$out/int/sensitivity.csv" ]] && ok || bad "a stopped analysis keeps its journal, arguments and what it analysed"
n_before=$(($(wc -l < "$out/int/sensitivity.journal") - 1))
"$ms" sensitivity "$sc" --out "$out/int" --quiet > /dev/null 2> "$out/again.err"; [[ $? -eq 2 ]] &&
  grep -q "holds an unfinished analysis" "$out/again.err" && ok || bad "a new analysis over an unfinished one: $(cat "$out/again.err")"
printf '0.25 1.5 -3.2' >> "$out/int/sensitivity.journal" # a record cut short
(cd / && "$ms" sensitivity --resume "$out/int" --quiet > "$out/resume.txt" 2>&1) && ok || { bad "--resume"; cat "$out/resume.txt" >&2; }
grep -q "^2 parameters, 3 answers, 901 trials ($n_before of them from the journal)" "$out/resume.txt" && ok || bad "resume took $n_before trials from the journal: $(head -1 "$out/resume.txt")"
cmp -s "$out/full/sensitivity.csv" "$out/int/sensitivity.csv" && ok || bad "resumed and uninterrupted analyses differ"
[[ ! -e "$out/int/sensitivity.journal" && ! -e "$out/int/sensitivity-run.txt" ]] && ok || bad "the journal and arguments are removed once complete"
"$ms" sensitivity --resume "$out/int" > /dev/null 2> "$out/none.err"; [[ $? -eq 2 ]] && grep -q "no interrupted analysis to resume" "$out/none.err" && ok || bad "resume of a finished analysis: $(cat "$out/none.err")"
# the scenario changed since: refused
cp "$sc" "$out/changing.yaml"
sed -i "s|model: additive.yaml|model: $src/tests/sensitivity/additive.yaml|; s|protocol: switch_on.yaml|protocol: $src/tests/sensitivity/switch_on.yaml|" "$out/changing.yaml"
"$ms" sensitivity "$out/changing.yaml" --out "$out/ch" --trajectories 300 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do [[ -f "$out/ch/sensitivity.journal" ]] && (( $(wc -l < "$out/ch/sensitivity.journal") > 5 )) && break; sleep 0.02; done
kill -INT $pid; wait $pid
echo "# changed" >> "$out/changing.yaml"
"$ms" sensitivity --resume "$out/ch" > /dev/null 2> "$out/ch.err"; [[ $? -eq 2 ]] && grep -q "is the journal of another analysis" "$out/ch.err" && ok || bad "resume after the scenario changed: $(cat "$out/ch.err")"
sed -i '$ d' "$out/changing.yaml"
sed -i '3s/.*/1 2 x/' "$out/ch/sensitivity.journal"
"$ms" sensitivity --resume "$out/ch" > /dev/null 2> "$out/dmg.err"; [[ $? -eq 2 ]] && grep -q "sensitivity.journal:3:1: expected 5 numbers on the line" "$out/dmg.err" && ok || bad "a damaged journal: $(cat "$out/dmg.err")"

# MPI: two processes share every trial's patients (300 a arm: three blocks
# of the trial runner); the same sensitivity.csv, byte for byte, as one
# process, the tipping search (which follows the answers) included
"$ms" sensitivity "$sc" --out "$out/one" --method oat --tipping --patients 300 --quiet > "$out/one.txt" 2>&1 && ok || bad "one process, 300 a arm"
if command -v mpirun > /dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 --oversubscribe \
    "$ms" sensitivity "$sc" --out "$out/mpi" --method oat --tipping --patients 300 --threads 1 --quiet > "$out/mpi.txt" 2>&1 && ok || { bad "mpirun -np 2 sensitivity"; tail -5 "$out/mpi.txt" >&2; }
  cmp -s "$out/one/sensitivity.csv" "$out/mpi/sensitivity.csv" && ok || bad "sensitivity.csv under mpirun -np 2 differs from one process"
  [[ "$(head -1 "$out/mpi.txt" | cut -d' ' -f1-6)" == "$(head -1 "$out/one.txt" | cut -d' ' -f1-6)" ]] && ok || bad "the same trials under MPI: $(head -1 "$out/mpi.txt")"
fi

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
