#!/usr/bin/env bash
# moodsim trial as a user runs it: outputs and their shapes, the same
# endpoints.csv byte for byte with 1 and with 2 threads, the report opened
# in headless Chromium without console errors (and a screenshot of it kept
# in the build tree), the Japanese report, power, Ctrl-C keeping what
# finished, --resume after Ctrl-C and kill -9, and mpirun -np 2.
# usage: trial.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$1; src=$(cd "$2" && pwd); out=$3
source "$(dirname "$0")/lib.sh"
fresh_out "$out"
sc="$src/tests/trial/toy_scenario.yaml"

"$ms" trial "$sc" --out "$out/t1" --threads 1 --quiet > "$out/t1.txt" 2>&1 && ok || { bad "trial (1 thread)"; cat "$out/t1.txt" >&2; }
"$ms" trial "$sc" --out "$out/t2" --threads 2 --quiet > "$out/t2.txt" 2>&1 && ok || { bad "trial (2 threads)"; cat "$out/t2.txt" >&2; }
for f in visits.csv endpoints.csv summary.csv failures.csv synergy.csv report.html fig-score.svg \
         fig-rates.svg fig-waterfall.svg fig-marker-1.svg inputs/toy_scenario.yaml inputs/toy_model.yaml; do
  [[ -s "$out/t1/$f" ]] && ok || bad "missing $f"
done
for f in endpoints.csv visits.csv summary.csv synergy.csv; do
  cmp -s "$out/t1/$f" "$out/t2/$f" && ok || bad "$f differs between 1 and 2 threads"
done
head -1 "$out/t1/endpoints.csv" | grep -qx "arm,patient,baseline_hamd,final_hamd,change,response,remission,crp0,sessions,doses,courses" && ok || bad "endpoints header: $(head -1 "$out/t1/endpoints.csv")"
[[ $(($(wc -l < "$out/t1/endpoints.csv") - 1)) -eq 240 ]] && ok || bad "240 patients in endpoints.csv"
[[ $(($(wc -l < "$out/t1/visits.csv") - 1)) -eq 1680 ]] && ok || bad "240 x 7 visits"
head -1 "$out/t1/visits.csv" | grep -q "^arm,patient,week,HAMD,CRP_obs$" && ok || bad "visits header"
grep -q "^tms_exosome,all,60," "$out/t1/summary.csv" && ok || bad "summary row"
head -1 "$out/t1/synergy.csv" | grep -qx "measure,estimate,lo,hi,verdict" && ok || bad "synergy.csv header"
grep -Eq "^interaction_contrast_mean_change,[-0-9.e+]+,[-0-9.e+]+,[-0-9.e+]+,(synergistic|additive|less than additive)$" "$out/t1/synergy.csv" && ok || bad "synergy verdict in its own column: $(cat "$out/t1/synergy.csv")"
grep -q "candidates screened, 240 included" "$out/t1.txt" && ok || bad "screening reported"

# the toy scenario with a solver: section (SETTINGS) into OUT, its paths absolute
with_solver() {
  { cat "$sc"; echo "solver: $1"; } | sed "s|^model: |model: $src/tests/trial/|; s|protocol: |protocol: $src/tests/trial/|g" > "$2"
}
# every number from column 3 on of CSV B within a relative 1e-4 (+1e-6) of CSV A's, row by row
within_1e4() {
  awk -F, 'NR == FNR { for (i = 3; i <= NF; i++) v[FNR, i] = $i; n = FNR; next }
    FNR > 1 { for (i = 3; i <= NF; i++) { a = v[FNR, i]; d = a - $i; if (d < 0) d = -d; s = a < 0 ? -a : a
      if (d > 1e-4 * s + 1e-6) { print FILENAME " row " FNR " col " i ": " a " vs " $i; bad = 1 } } }
    END { if (FNR != n) { print "row counts differ"; bad = 1 }; exit bad }' "$1" "$2" >&2
}

# solver: {method: dirk} reaches the simulator: other bits, the same endpoints to 1e-4
with_solver "{method: dirk}" "$out/dirk.yaml"
if grep -q "^solver:" "$sc"; then bad "toy_scenario.yaml has its own solver: section; adapt this test"; fi
"$ms" trial "$out/dirk.yaml" --out "$out/tdirk" --quiet > "$out/tdirk.txt" 2>&1 && ok || { bad "trial with dirk"; cat "$out/tdirk.txt" >&2; }
if cmp -s "$out/t1/endpoints.csv" "$out/tdirk/endpoints.csv"; then bad "method: dirk changed nothing: not applied"; else ok; fi
within_1e4 "$out/t1/endpoints.csv" "$out/tdirk/endpoints.csv" && ok || bad "BDF and DIRK trials disagree beyond 1e-4"
grep -q "Solver: CVODE BDF (method: bdf), rtol 1e-06, atol 1e-09" "$out/t1/report.html" && ok || bad "the report names the solver"
grep -q "Solver: ARKODE ARK5(4)8L\[2\]SA DIRK (method: dirk)" "$out/tdirk/report.html" && ok || bad "the report names the DIRK solver"

# solver: {batch: 8}: the patients of an arm that share a calendar
# integrated together (src/engine/batch.c): the endpoints of each patient
# within the tolerance of the unbatched run, not bit for bit (so applied),
# the same bytes with 1 and 2 threads, and the report says so
with_solver "{batch: 8}" "$out/batch.yaml"
"$ms" trial "$out/batch.yaml" --out "$out/tb1" --threads 1 --quiet > "$out/tb1.txt" 2>&1 && ok || { bad "trial in batches (1 thread)"; cat "$out/tb1.txt" >&2; }
"$ms" trial "$out/batch.yaml" --out "$out/tb2" --threads 2 --quiet > "$out/tb2.txt" 2>&1 && ok || { bad "trial in batches (2 threads)"; cat "$out/tb2.txt" >&2; }
for f in endpoints.csv visits.csv summary.csv; do
  cmp -s "$out/tb1/$f" "$out/tb2/$f" && ok || bad "batches: $f differs between 1 and 2 threads"
done
if cmp -s "$out/t1/visits.csv" "$out/tb1/visits.csv"; then bad "solver batch: changed nothing: not applied"; else ok; fi
within_1e4 "$out/t1/visits.csv" "$out/tb1/visits.csv" && ok || bad "batched and unbatched trials disagree beyond the tolerance"
grep -q "integrated together, 8 at a time, each with its own error control" "$out/tb1/report.html" && ok || bad "the report says patients were integrated in batches"
grep -q "Numerical check: 16 patient-arms were simulated again" "$out/tb1/report.html" && ok || bad "the numerical check runs on a batched trial"
# --batch 8 on the command line: the same bytes as the scenario's batch: 8,
# kept in run.txt for --resume; refused with --resume and for dirk
"$ms" trial "$sc" --batch 8 --out "$out/tbc8" --threads 2 --quiet > "$out/tbc8.txt" 2>&1 && ok || { bad "trial --batch 8"; cat "$out/tbc8.txt" >&2; }
for f in endpoints.csv visits.csv summary.csv; do
  cmp -s "$out/tb1/$f" "$out/tbc8/$f" && ok || bad "--batch 8 and solver: {batch: 8}: $f differs"
done
grep -qx "batch 8" "$out/tbc8/run.txt" && ok || bad "run.txt keeps --batch"
"$ms" trial --resume "$out/tbc8" --batch 8 > /dev/null 2>&1; [[ $? -eq 2 ]] && ok || bad "--resume with --batch is a usage error"
"$ms" trial "$out/dirk.yaml" --batch 8 --out "$out/x8" > /dev/null 2> "$out/x8.err"; [[ $? -ne 0 ]] && grep -q "bdf method only" "$out/x8.err" && ok || bad "--batch with dirk: $(cat "$out/x8.err")"

# the model runs as machine code (cc -O2) unless --bytecode: the same bytes;
# without a C compiler, a note and the bytecode
grep -q "the model ran as machine code (cc -O2)" "$out/t1/report.html" && ok || bad "the report says the model ran as machine code"
"$ms" trial "$sc" --out "$out/tbc" --threads 2 --bytecode --quiet > "$out/tbc.txt" 2>&1 && ok || { bad "trial --bytecode"; cat "$out/tbc.txt" >&2; }
for f in endpoints.csv visits.csv summary.csv synergy.csv; do
  cmp -s "$out/t1/$f" "$out/tbc/$f" && ok || bad "$f differs between machine code and bytecode"
done
grep -q "the model ran as bytecode" "$out/tbc/report.html" && ok || bad "the report says the model ran as bytecode"
env PATH=/nonexistent-moodsim "$ms" trial "$sc" --out "$out/tnocc" --threads 2 --quiet > "$out/tnocc.txt" 2> "$out/tnocc.err" && ok || { bad "trial without a C compiler"; cat "$out/tnocc.err" >&2; }
grep -q "note: cannot run the C compiler 'cc'.*the model runs as bytecode" "$out/tnocc.err" && ok || bad "no note without a compiler: $(cat "$out/tnocc.err")"
cmp -s "$out/t1/endpoints.csv" "$out/tnocc/endpoints.csv" && ok || bad "endpoints differ without a compiler"

# the numerical check: every trial simulates its first 16 patient-arms again
# with the other method; the same figure with any number of threads; a
# warning when the tolerances are too loose for the two to agree
numline() { grep "^numerical check: " "$1"; }
numline "$out/t1.txt" | grep -q "^numerical check: 16 patient-arms simulated again with dirk: the score within " && ok || bad "numerical check line: $(numline "$out/t1.txt")"
[[ "$(numline "$out/t1.txt")" == "$(numline "$out/t2.txt")" ]] && ok || bad "the numerical check differs between 1 and 2 threads"
if grep -q "^warning: the two integration methods disagree" "$out/t1.txt"; then bad "warning at rtol 1e-6"; else ok; fi
grep -q "Numerical check: 16 patient-arms were simulated again with the other integration method (dirk)" "$out/t1/report.html" && ok || bad "the report gives the numerical check"
numline "$out/tdirk.txt" | grep -q "simulated again with bdf" && ok || bad "a DIRK trial is checked against BDF: $(numline "$out/tdirk.txt")"
sed 's/^solver: .*/solver: {rtol: 1e-2}/' "$out/dirk.yaml" > "$out/loose.yaml"
"$ms" trial "$out/loose.yaml" --out "$out/tloose" --quiet > "$out/tloose.txt" 2>&1 && ok || { bad "trial at rtol 1e-2"; cat "$out/tloose.txt" >&2; }
grep -q "^warning: the two integration methods disagree; tighten" "$out/tloose.txt" && ok || bad "no warning at rtol 1e-2: $(numline "$out/tloose.txt")"
grep -q "class=warn>The two integration methods disagree" "$out/tloose/report.html" && ok || bad "no warning in the report at rtol 1e-2"

# the report in a real browser: no console errors, a screenshot
if command -v chromium > /dev/null; then
  rm -rf "$out/chrome"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$out/chrome" --enable-logging=stderr --v=0 --hide-scrollbars \
    --window-size=1100,2400 --screenshot="$out/report.png" "file://$out/t1/report.html" \
    > "$out/chrome.log" 2>&1
  [[ -s "$out/report.png" ]] && ok || bad "no screenshot (see $out/chrome.log)"
  if grep -E "CONSOLE|Uncaught|Failed to load resource" "$out/chrome.log" | grep -v "DBus" > /dev/null; then
    bad "console errors in the report:"; grep -E "CONSOLE|Uncaught|Failed to load" "$out/chrome.log" >&2
  else ok; fi
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --user-data-dir="$out/chrome" --dump-dom "file://$out/t1/report.html" 2>/dev/null > "$out/dom.html"
  grep -c "<img" "$out/dom.html" | grep -q "^4$" && ok || bad "the report's four figures"
  grep -q "Evidence ledger" "$out/dom.html" && ok || bad "evidence ledger section"
  grep -q "The simulated combination is" "$out/dom.html" && ok || bad "synergy sentence"
else
  bad "chromium is not installed (scripts/install-deps.sh installs it)"
fi

# subgroup titles: the named subgroup, then its complement under its own title
grep -q '<h3>inflamed (<code>crp0</code> &gt; 3 at baseline)</h3>' "$out/t1/report.html" \
  && grep -q '<h3>The other patients (<code>crp0</code> &le; 3 at baseline)</h3>' "$out/t1/report.html" \
  && ! grep -q '<h3>inflamed (<code>crp0</code> &le;' "$out/t1/report.html" && ok || bad "subgroup titles"

# Japanese report
"$ms" trial "$sc" --out "$out/ja" --lang ja --quiet > /dev/null 2>&1 && ok || bad "trial --lang ja"
grep -q '<html lang="ja">' "$out/ja/report.html" && grep -q "エビデンス台帳" "$out/ja/report.html" && ok || bad "Japanese report"
# the arms' calendars summarised in Japanese, and the seeds' protocol's ja: description
grep -q "1回30分のセッション、3000パルス（入力 'tms'）、09:00：月・火・水・木・金、週 0〜5；月・木、週 6〜25" "$out/ja/report.html" &&
  grep -q "左DLPFCへのrTMS単独" "$out/ja/report.html" && ! grep -q "session of 30 min" "$out/ja/report.html" && ok ||
  bad "the Japanese report's calendars: $(grep -o '<li><code>tms</code>: [^<]*' "$out/ja/report.html")"

# at 420 px (a phone) nothing in either report reaches past the right edge:
# a copy laid out 420 px wide runs tests/trial/narrow_probe.js, which writes
# what overflows into the DOM (tables scroll inside themselves)
if command -v chromium > /dev/null; then
  probe=$(tr '\n' ' ' < "$src/tests/trial/narrow_probe.js" | sed 's/[&|]/\\&/g')
  for r in t1 ja; do
    sed "s|</body>|<style>html{width:420px}</style><script>$probe</script></body>|" "$out/$r/report.html" > "$out/narrow_$r.html"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
      --user-data-dir="$out/chrome" --window-size=420,3000 --virtual-time-budget=3000 \
      --dump-dom "file://$out/narrow_$r.html" 2>/dev/null > "$out/narrow_$r.dom"
    grep -q '<pre id="overflow">width 420 scroll [0-9]*: none</pre>' "$out/narrow_$r.dom" && ok ||
      bad "the $r report at 420 px: $(grep -o '<pre id="overflow">[^<]*' "$out/narrow_$r.dom")"
  done
fi

# power
"$ms" power "$src/tests/trial/closed_form_scenario.yaml" --quiet > "$out/power.txt" 2>&1 && ok || bad "power"
grep -q "interaction (synergy): [0-9]* patients per arm" "$out/power.txt" && ok || bad "power output: $(cat "$out/power.txt")"

# Ctrl-C keeps what finished, and leaves a checkpoint; --resume continues
# (after Ctrl-C, and after kill -9) to the same bytes as an uninterrupted
# run; under mpirun -np 2 the same bytes again.  800 matched patients = 4
# blocks of 256, so every process gets work.
big="$out/big.yaml"
sed 's/patients_per_arm: 60/patients_per_arm: 800/; s|model: toy_model.yaml|model: '"$src"'/tests/trial/toy_model.yaml|; s|protocol: \.\./\.\./protocols/|protocol: '"$src"'/protocols/|; s|protocol: sham_exosome.yaml|protocol: '"$src"'/tests/trial/sham_exosome.yaml|' "$sc" > "$big"
"$ms" trial "$big" --out "$out/full" --threads 2 --quiet > "$out/full.txt" 2>&1 && ok || bad "uninterrupted run"
[[ ! -e "$out/full/checkpoint" && ! -e "$out/full/results.bin" ]] && ok || bad "a finished run leaves no checkpoint"
interrupt() { # signal, seconds, then the command
  local sig=$1 after=$2; shift 2
  "$@" > "$out/int.txt" 2>&1 &
  local pid=$!
  sleep "$after"
  kill "-$sig" $pid
  { wait $pid; } 2> /dev/null
}
# Ctrl-C once the first block's patients are on disk (not after a fixed
# time: on a loaded machine under the sanitizers a block can take longer)
first_rows() { # OUT_DIR: wait (up to 5 min) until endpoints.csv holds a patient-arm
  local i
  for ((i = 0; i < 3000; i++)); do
    [[ -f "$1/endpoints.csv" && $(wc -l < "$1/endpoints.csv") -ge 2 ]] && return 0
    sleep 0.1
  done
  return 1
}
"$ms" trial "$big" --out "$out/int" --threads 2 > "$out/int.txt" 2>&1 &
pid=$!
first_rows "$out/int" || bad "no patient-arm reached endpoints.csv within 5 minutes"
kill -INT $pid
{ wait $pid; } 2> /dev/null; rc=$?
[[ $rc -eq 130 ]] && ok || { bad "interrupted run exits 130, got $rc"; tail -3 "$out/int.txt" >&2; }
n=$(($(wc -l < "$out/int/endpoints.csv" 2>/dev/null || echo 1) - 1))
[[ $n -gt 0 && $n -lt 3200 ]] && ok || bad "interrupted run keeps some, not all, patient-arms ($n)"
grep -q "interrupted" "$out/int/report.html" 2>/dev/null && ok || bad "report says interrupted"
grep -q "moodsim trial --resume" "$out/int.txt" && ok || bad "says how to resume"
grep -q "^interrupted: $n patient-arms finished of the 3200 patients planned" "$out/int.txt" && ok ||
  bad "an interrupted run says what finished ($n): $(grep -m1 interrupted "$out/int.txt")"
[[ -s "$out/int/checkpoint" ]] && ok || bad "checkpoint left"
expect_refusal() {
  "$ms" trial "$big" --out "$out/int" --quiet > "$out/refuse.txt" 2>&1
  [[ $? -eq 2 ]] && grep -q "unfinished run" "$out/refuse.txt" && ok || bad "a new run into an unfinished one is refused"
}
expect_refusal
# what cannot be resumed says why, and where
if [[ -s "$out/int/checkpoint" ]]; then
  refuse_resume() { # name what-to-grep
    "$ms" trial --resume "$out/$1" --quiet > "$out/$1.txt" 2>&1
    [[ $? -eq 2 ]] && grep -q "$2" "$out/$1.txt" && ok || bad "resume of $1 refused with '$2': $(cat "$out/$1.txt")"
  }
  for d in bad1 bad2 bad3 bad4; do rm -rf "$out/$d"; cp -r "$out/int" "$out/$d"; done
  sed -i '3s/.*/blocks many/' "$out/bad1/checkpoint"
  refuse_resume bad1 "checkpoint:3:1: expected 'blocks COUNT'"
  sed 's/^seed: .*/seed: 99/' "$big" > "$out/big2.yaml"
  echo "scenario $out/big2.yaml" > "$out/bad2/run.txt"
  refuse_resume bad2 "changed since this run started"
  truncate -s 10 "$out/bad3/visits.csv"
  refuse_resume bad3 "visits.csv: shorter"
  echo "garbage" > "$out/bad4/run.txt"
  refuse_resume bad4 "run.txt:1:1: expected"
  # damaged files (a power loss zero-fills what was not synced): refused
  # by checksum; a checkpoint whose blocks cannot hold its records; a
  # record that is not the planned patient and arm (an old-format
  # checkpoint has no checksums, so the record itself is checked)
  for d in bad5 bad6 bad7; do rm -rf "$out/$d"; cp -r "$out/int" "$out/$d"; done
  dd if=/dev/zero of="$out/bad5/results.bin" bs=1 seek=300 count=200 conv=notrunc 2> /dev/null
  refuse_resume bad5 "results.bin: its first .* bytes are not what the run wrote (checksum)"
  awk 'NR == 3 { $2 = $2 + 1 } { print }' "$out/int/checkpoint" > "$out/bad6/checkpoint"
  refuse_resume bad6 "checkpoint:3:1: .* blocks and .* records do not go together"
  awk 'NR == 1 { print "moodsim-checkpoint 1"; next } NR > 4 { print $1, $2; next } { print }' \
    "$out/int/checkpoint" > "$out/bad7/checkpoint"
  printf '\x63\x00\x00\x00' | dd of="$out/bad7/results.bin" bs=1 seek=8 conv=notrunc 2> /dev/null
  refuse_resume bad7 "record 0 is not the run's (patient 0 in arm 99"
  # one run at a time: a directory another process writes to is refused
  flock "$out/int" sleep 3 &
  sleep 0.5
  refuse_resume int "another moodsim run is writing to this directory"
  wait
fi
if [[ -s "$out/int/checkpoint" ]]; then
  interrupt KILL 2 "$ms" trial --resume "$out/int" --threads 2 --quiet
  # (a fast build may finish the first resume within the 2 s: then there
  # is nothing left to resume, and the outputs must already be complete)
  if [[ -e "$out/int/checkpoint" ]]; then
    "$ms" trial --resume "$out/int" --threads 2 --quiet > "$out/resume.txt" 2>&1 && ok || { bad "resume"; cat "$out/resume.txt" >&2; }
  fi
  for f in visits.csv endpoints.csv failures.csv summary.csv synergy.csv; do
    cmp -s "$out/int/$f" "$out/full/$f" && ok || bad "$f after Ctrl-C, kill -9 and two resumes differs from the uninterrupted run"
  done
  [[ "$(numline "$out/resume.txt" 2>/dev/null || numline "$out/int.txt")" == "$(numline "$out/full.txt")" ]] && ok ||
    bad "the numerical check of a resumed run differs from the uninterrupted run's"
  [[ ! -e "$out/int/checkpoint" ]] && ok || bad "checkpoint removed when the run completes"
fi
"$ms" trial --resume "$out/full" --quiet > "$out/refuse.txt" 2>&1
[[ $? -eq 2 ]] && grep -q "no checkpoint" "$out/refuse.txt" && ok || bad "resuming a finished run is refused: $(cat "$out/refuse.txt")"

# Claims (docs/scenario-format.md, "Claims: null and as-claimed"): a parameter marked
# as_claimed: in the model.  A run at one setting also simulates the same
# patients at the other, and that counterpart must be exactly the run made at
# the other setting directly.
cl="$out/claims"; mkdir -p "$cl"
sed 's/^  e_max: .*/  e_max:    {value: 0, as_claimed: 0.6, unit: "1", hypothesis: test claim}/' \
  "$src/tests/trial/toy_model.yaml" > "$cl/toy_claims.yaml"
claims_scenario() {  # $1: the value of e_max set in every arm, or "" for none
  sed -e "s#^model: toy_model.yaml#model: toy_claims.yaml#" -e "s#\.\./\.\./protocols/#$src/protocols/#g" \
      -e "s#protocol: sham_exosome.yaml#protocol: $src/tests/trial/sham_exosome.yaml#" \
      -e "s#^patients_per_arm: .*#patients_per_arm: 40#" -e "s#^follow_up_weeks: .*#follow_up_weeks: 8#" \
      -e "s#^visits_weeks: .*#visits_weeks: [0, 4, 8]#" \
      "$sc" | if [[ -n $1 ]]; then sed -E "s#^(  - \{name: .*protocol: .*)\}\$#\1, set: {e_max: $1}}#"; else cat; fi
}
claims_scenario "" > "$cl/null.yaml"; claims_scenario 0.6 > "$cl/claimed.yaml"; claims_scenario 0.3 > "$cl/half.yaml"
grep -c "set: {e_max: 0.6}" "$cl/claimed.yaml" | grep -q '^4$' && ok || bad "the claims scenario sets e_max in every arm"
for v in null claimed half; do
  "$ms" trial "$cl/$v.yaml" --out "$cl/$v" --quiet > "$cl/$v.txt" 2>&1 && ok || { bad "claims trial $v"; cat "$cl/$v.txt" >&2; }
done
for f in summary.csv synergy.csv; do
  cmp -s "$cl/claimed/null/$f" "$cl/null/$f" && ok || bad "the as-claimed run's counterpart ($f) is not the null run"
  cmp -s "$cl/null/as_claimed/$f" "$cl/claimed/$f" && ok || bad "the null run's counterpart ($f) is not the as-claimed run"
  cmp -s "$cl/half/null/$f" "$cl/null/$f" && ok || bad "a run with other claim values has the null run as its counterpart ($f)"
done
grep -q "^claims as-claimed (this run):" "$cl/claimed.txt" && grep -q "^claims null (the same patients again" "$cl/claimed.txt" \
  && ok || bad "stdout shows both settings"
grep -q "<h2>Claims: null and as-claimed</h2>" "$cl/claimed/report.html" && grep -q "This run: <b>as-claimed</b>" "$cl/claimed/report.html" \
  && grep -q "every claim at <b>null</b> (<code>e_max</code> = 0)" "$cl/claimed/report.html" && ok || bad "the report's claims section (as-claimed run)"
grep -q "This run: <b>null</b>.*every claim at <b>as-claimed</b> (<code>e_max</code> = 0.6)" "$cl/null/report.html" && ok || bad "the report's claims section (null run)"
grep -q "This run: <b>as set in the scenario</b>" "$cl/half/report.html" && ok || bad "the report names a run at other claim values"
grep -q "Synergy: interaction contrast: as-claimed" "$cl/claimed/report.html" && ok || bad "the synergy under both settings"
# failures at the other setting are stated: a claim that makes more patients blow up
sed -e 's/^  c: {value: 0, unit: 1\/h, hypothesis: test value}/&\n  g: {value: 0, as_claimed: 0.01, unit: 1\/h, hypothesis: test claim}/' \
    -e 's/^  x: k \* c \* x^2$/  x: k * (c + g) * x^2/' "$src/tests/trial/failing.yaml" > "$cl/failing_claims.yaml"
sed 's/^model: failing.yaml/model: failing_claims.yaml/' "$src/tests/trial/failing_scenario.yaml" > "$cl/failing.yaml"
"$ms" trial "$cl/failing.yaml" --out "$cl/failing" --quiet > "$cl/failing.txt" 2>&1 && ok || { bad "claims trial with failures"; cat "$cl/failing.txt" >&2; }
f0=$(awk -F, 'NR == 2 { print $4 }' "$cl/failing/summary.csv"); f1=$(awk -F, 'NR == 2 { print $4 }' "$cl/failing/as_claimed/summary.csv")
[[ -n $f0 && -n $f1 && $f1 -gt $f0 ]] && grep -q "class=warn>$f1 simulations failed at the other setting" "$cl/failing/report.html" \
  && ok || bad "failures at the other setting ($f0 vs $f1) stated in the report"

# --one-setting: no counterpart, and the report says it shows one setting only
"$ms" trial "$cl/claimed.yaml" --out "$cl/one" --one-setting --quiet > "$cl/one.txt" 2>&1 && ok || bad "--one-setting"
[[ ! -e "$cl/one/null" ]] && grep -q "class=warn>The run with the claims at the other setting was not made" "$cl/one/report.html" \
  && cmp -s "$cl/one/summary.csv" "$cl/claimed/summary.csv" && ok || bad "--one-setting: one setting, said so, the same run"
# --resume remembers --one-setting (run.txt): a run started with it,
# interrupted and resumed without it still skips the counterpart
sed 's/^patients_per_arm: .*/patients_per_arm: 800/' "$cl/claimed.yaml" > "$cl/one_big.yaml"
"$ms" trial "$cl/one_big.yaml" --out "$cl/one_int" --one-setting --threads 2 > "$cl/one_int.txt" 2>&1 &
pid=$!
first_rows "$cl/one_int" || bad "no patient-arm of the --one-setting run reached endpoints.csv within 5 minutes"
kill -INT $pid
{ wait $pid; } 2> /dev/null; rc=$?
grep -qx "one-setting" "$cl/one_int/run.txt" 2>/dev/null && ok || bad "run.txt records --one-setting"
if [[ $rc -eq 130 ]]; then
  "$ms" trial --resume "$cl/one_int" --quiet > "$cl/one_res.txt" 2>&1 && ok || { bad "resume of a --one-setting run"; cat "$cl/one_res.txt" >&2; }
fi
[[ ! -e "$cl/one_int/null" ]] && grep -q "class=warn>The run with the claims at the other setting was not made" "$cl/one_int/report.html" 2>/dev/null \
  && ok || bad "a resumed --one-setting run makes no counterpart and says so (rc $rc)"
# a model without claims: no counterpart, no section
[[ ! -e "$out/t1/null" && ! -e "$out/t1/as_claimed" ]] && ! grep -q "Claims: null" "$out/t1/report.html" && ok || bad "a model without claims has no counterpart"

# a matched design (every patient in every arm): summary.csv's paired
# columns are each patient's change minus the same patient's change on
# control, recomputed here from endpoints.csv (mean and n exactly; the
# interval a t interval about the mean); a parallel design leaves them empty
matched="$out/matched.yaml"
sed 's/patients_per_arm: 800/patients_per_arm: 300/; s/^randomisation: factorial/randomisation: matched/' "$big" > "$matched"
"$ms" trial "$matched" --out "$out/m1" --threads 2 --quiet > "$out/m1.txt" 2>&1 && ok || { bad "matched trial"; tail -3 "$out/m1.txt" >&2; }
head -1 "$out/m1/summary.csv" | grep -q ",paired_n,paired_diff_change,paired_diff_lo,paired_diff_hi,paired_p_value,sessions," && ok || bad "summary.csv paired columns"
awk -F, 'NR == FNR { if (FNR > 1) { c[$1, $2] = $5; arm[$1] = 1; crp[$2] = $8; pat[$2] = 1 }; next }
  FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $1 == "sham" { if ($(h["paired_n"]) != "") { print "control has a paired difference"; bad = 1 }; next }
  { n = 0; s = 0; ss = 0
    for (p in pat) {
      if ($2 == "crp0 > 3" && !(crp[p] > 3)) continue
      if ($2 == "crp0 <= 3" && crp[p] > 3) continue
      d = c[$1, p] - c["sham", p]; n++; s += d; ss += d * d }
    m = s / n; sd = sqrt((ss - n * m * m) / (n - 1)); half = ($(h["paired_diff_hi"]) - $(h["paired_diff_lo"])) / 2
    dm = m - $(h["paired_diff_change"]); if (dm < 0) dm = -dm
    if ($(h["paired_n"]) != n || dm > 1e-5 * (m < 0 ? -m : m) + 1e-9 || half / (sd / sqrt(n)) < 1.95 || half / (sd / sqrt(n)) > 2.05) {
      print $1 " " $2 ": paired " $(h["paired_n"]) " " $(h["paired_diff_change"]) " half " half " vs recomputed " n " " m " sd " sd; bad = 1 }
    rows++ }
  END { if (rows != 9) { print "expected 9 non-control rows, got " rows; bad = 1 }; exit bad }' \
  "$out/m1/endpoints.csv" "$out/m1/summary.csv" >&2 && ok || bad "paired differences do not match endpoints.csv"
# pairing removes the between-patient spread: narrower than the unpaired (Welch) interval
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $1 == "tms" && $2 == "all" {
  exit !(($(h["paired_diff_hi"]) - $(h["paired_diff_lo"])) < ($(h["diff_change_hi"]) - $(h["diff_change_lo"]))) }' \
  "$out/m1/summary.csv" && ok || bad "the paired interval is not narrower than the unpaired one"
grep -q "Same patients vs control, paired" "$out/m1/report.html" && ok || bad "the report of a matched design shows the paired difference"
grep -Eq "^tms .* -?[0-9]+\.[0-9]{2} \[-?[0-9]+\.[0-9]{2}, -?[0-9]+\.[0-9]{2}\] +[0-9.]+ \[" "$out/m1.txt" && grep -q "paired vs control \[95% CI\]" "$out/m1.txt" && ok || bad "stdout shows the paired difference"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $(h["paired_n"]) != ""' "$out/full/summary.csv" | grep -q . && bad "a factorial (unmatched) run has paired differences" || ok
! grep -q "Same patients vs control" "$out/full/report.html" && ok || bad "an unmatched report shows a paired column"

# decision rules (tests/trial/tms_as_needed.yaml): TMS again as needed
# against one course, matched; the same bytes with 1 and 2 threads (and
# under MPI below); the burden: one course is 20 sessions, re-treatment adds
# courses up to the protocol's limit of 50 sessions; the report says the rule
rs="$src/tests/trial/rules_scenario.yaml"
"$ms" trial "$rs" --out "$out/rules1" --threads 1 --quiet > "$out/rules1.txt" 2>&1 && ok || { bad "trial with rules"; cat "$out/rules1.txt" >&2; }
"$ms" trial "$rs" --out "$out/rules2" --threads 2 --quiet > /dev/null 2>&1 && ok || bad "trial with rules, 2 threads"
for f in summary.csv endpoints.csv visits.csv; do
  cmp -s "$out/rules1/$f" "$out/rules2/$f" && ok || bad "$f of the rules run differs between 1 and 2 threads"
done
[[ $(col "$out/rules1/summary.csv" fixed all sessions) == 20 && $(col "$out/rules1/summary.csv" fixed all doses) == 0 &&
   $(col "$out/rules1/summary.csv" fixed all courses_started) == 0 ]] && ok ||
  bad "one course gives 20 sessions and starts no course"
within "$(col "$out/rules1/summary.csv" as_needed all sessions)" 20.01 50 "sessions per patient as needed (limit 50)"
within "$(col "$out/rules1/summary.csv" as_needed all courses_started)" 0.01 3 "courses started per patient (max_courses 3)"
within "$(col "$out/rules1/summary.csv" as_needed all weeks_in_response)" "$(col "$out/rules1/summary.csv" fixed all weeks_in_response)" 26 \
  "re-treatment keeps patients in response at least as long"
grep -q "decision rule <code>relapse</code>: at each assessment (Mon in weeks 0-25 at 08:00): when HAMD is above 0.7 x its baseline at 2 assessments in a row (weeks 5-25), start course 'retreat' (2 weeks: " "$out/rules1/report.html" && ok ||
  bad "the report states the rule: $(grep -o 'decision rule.\{0,200\}' "$out/rules1/report.html")"
# the patient behind a row of endpoints.csv: simulate --scenario gives the
# same final score (8 digits) and the events behind its burden columns
"$ms" simulate --scenario "$rs" --patient 5 --arm as_needed --every 168 --out "$out/p5.csv" \
  --events "$out/p5_ev.csv" 2> "$out/p5.err" && ok || bad "simulate --scenario: $(cat "$out/p5.err")"
row=$(grep "^as_needed,5," "$out/rules1/endpoints.csv")
fin=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "HAMD") c = i } END { printf "%.8g", $c }' "$out/p5.csv")
[[ "$fin" == "$(echo "$row" | cut -d, -f4)" ]] && ok || bad "simulate --scenario's final score $fin, endpoints.csv: $row"
[[ $(($(wc -l < "$out/p5_ev.csv") - 1)) == "$(echo "$row" | awk -F, '{ print $(NF - 2) + $(NF - 1) }')" ]] && ok ||
  bad "the events simulate --scenario gives ($(($(wc -l < "$out/p5_ev.csv") - 1))) are not the endpoints' sessions + doses: $row"
rbig="$out/rules_big.yaml"
sed "s/^patients_per_arm: .*/patients_per_arm: 600/; s|^model: |model: $src/tests/trial/|; s|protocol: \([a-z_]*\.yaml\)|protocol: $src/tests/trial/\1|g" "$rs" > "$rbig"
"$ms" trial "$rbig" --out "$out/rules_big" --threads 2 --quiet > /dev/null 2>&1 && ok || bad "the larger rules trial"

# MPI: two processes, one thread each, the same bytes as one process
if command -v mpirun > /dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
  # OpenMPI keeps allocations until exit: no leak report for its runs
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 --oversubscribe \
    "$ms" trial "$big" --out "$out/mpi" --threads 1 --quiet > "$out/mpi.txt" 2>&1 && ok || { bad "mpirun -np 2"; tail -5 "$out/mpi.txt" >&2; }
  for f in visits.csv endpoints.csv failures.csv summary.csv synergy.csv; do
    cmp -s "$out/mpi/$f" "$out/full/$f" && ok || bad "$f under mpirun -np 2 differs from one process"
  done
  [[ "$(numline "$out/mpi.txt")" == "$(numline "$out/full.txt")" && -n "$(numline "$out/full.txt")" ]] && ok ||
    bad "the numerical check under mpirun differs from one process's"
  # a matched design's paired differences under MPI: the same bytes
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 --oversubscribe \
    "$ms" trial "$matched" --out "$out/mpim" --threads 1 --quiet > "$out/mpim.txt" 2>&1 && ok || { bad "mpirun -np 2 matched"; tail -5 "$out/mpim.txt" >&2; }
  cmp -s "$out/mpim/summary.csv" "$out/m1/summary.csv" && ok || bad "matched summary.csv under mpirun -np 2 differs from one process"
  # the claims' counterpart runs under MPI too, with the same results
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 --oversubscribe \
    "$ms" trial "$cl/claimed.yaml" --out "$cl/mpi" --threads 1 --quiet > "$cl/mpi.txt" 2>&1 && ok || { bad "mpirun -np 2 with claims"; tail -5 "$cl/mpi.txt" >&2; }
  for f in summary.csv null/summary.csv null/synergy.csv; do
    cmp -s "$cl/mpi/$f" "$cl/claimed/$f" && ok || bad "$f of the claims run under mpirun -np 2 differs from one process"
  done
  # decision rules: the same courses whichever process simulates a patient
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun -np 2 --oversubscribe \
    "$ms" trial "$rbig" --out "$out/rules_mpi" --threads 1 --quiet > "$out/rules_mpi.txt" 2>&1 && ok || { bad "mpirun -np 2 with rules"; tail -5 "$out/rules_mpi.txt" >&2; }
  for f in summary.csv endpoints.csv visits.csv; do
    cmp -s "$out/rules_mpi/$f" "$out/rules_big/$f" && ok || bad "$f of the rules run under mpirun -np 2 differs from one process"
  done
else
  bad "mpirun is not installed (scripts/install-deps.sh installs OpenMPI)"
fi

# compare: any two arms -- on the toy model, matched: the paired difference
# of tms_exosome minus tms equals the difference of the two arms' mean
# changes (every patient simulated in both), the rate differences are the
# summary's, NNT their inverse, n on remission the two-proportion formula
sed -e 's|^randomisation:.*|randomisation: matched|' -e '/^arms:/i compare:\n  - {arm: tms_exosome, versus: tms}\n  - {arm: exosome, versus: sham}' \
  -e "s|^model: *|model: $src/tests/trial/|" -e "s|protocol: *\\([^,}]*\\)|protocol: $src/tests/trial/\\1|g" "$sc" > "$out/cmp.yaml"
grep -q "^randomisation: matched" "$out/cmp.yaml" || echo "randomisation: matched" >> "$out/cmp.yaml"
"$ms" trial "$out/cmp.yaml" --out "$out/cmp" --quiet > "$out/cmp.txt" 2>&1 && ok || { bad "trial with compare:"; cat "$out/cmp.txt" >&2; }
head -1 "$out/cmp/comparisons.csv" | grep -q "^arm,versus,n,n_versus,paired,diff_change," && ok || bad "comparisons.csv header"
[[ $(($(wc -l < "$out/cmp/comparisons.csv") - 1)) -eq 2 ]] && ok || bad "two comparisons"
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) h[FILENAME, $i] = i; next }
  FILENAME ~ /summary/ && $2 == "all" { mc[$1] = $h[FILENAME, "mean_change"]; n[$1] = $h[FILENAME, "n"]
    r[$1] = $h[FILENAME, "response_rate"]; m[$1] = $h[FILENAME, "remission_rate"]; next }
  FILENAME ~ /comparisons/ && $1 == "tms_exosome" { f = FILENAME
    d = $h[f, "diff_change"] - (mc["tms_exosome"] - mc["tms"]); if (d < 0) d = -d
    dr = $h[f, "diff_response"] - (r["tms_exosome"] - r["tms"]); if (dr < 0) dr = -dr
    dm = $h[f, "diff_remission"] - (m["tms_exosome"] - m["tms"]); if (dm < 0) dm = -dm
    if ($h[f, "diff_response"] == 0) nn = $h[f, "nnt_response"] == "inf" ? 0 : 1
    else { nn = $h[f, "nnt_response"] * $h[f, "diff_response"] - 1; if (nn < 0) nn = -nn }
    p1 = m["tms_exosome"]; p0 = m["tms"]; pb = (p1 + p0) / 2; dd = p1 - p0
    root = 1.959963985 * sqrt(2 * pb * (1 - pb)) + 0.8416212336 * sqrt(p1 * (1 - p1) + p0 * (1 - p0))
    want = dd != 0 ? root * root / (dd * dd) : 0; want = want == int(want) ? want : int(want) + 1
    nr = $h[f, "n_per_arm_remission"]
    ok = $h[f, "paired"] == 1 && d < 1e-9 && dr < 1e-12 && dm < 1e-12 && nn < 1e-9 && (nr == want || (want > 2000 && nr == -1))
    print ok ? "ok" : "bad " d " " dr " " dm " " nn " " nr " vs " want }' \
  "$out/cmp/summary.csv" "$out/cmp/comparisons.csv" | grep -qx ok && ok || bad "comparisons.csv agrees with summary.csv: $(cat "$out/cmp/comparisons.csv")"
grep -q "^tms_exosome vs tms: mean change .*(paired)" "$out/cmp.txt" && ok || bad "the command prints the comparison: $(cat "$out/cmp.txt")"
grep -q "minimal important difference of 3 points" "$out/cmp/report.html" && grep -q "Comparisons between arms" "$out/cmp/report.html" && ok || bad "the report states the comparison and the threshold"
finish "trial"
