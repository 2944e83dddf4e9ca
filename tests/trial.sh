#!/usr/bin/env bash
# moodsim trial as a user runs it: outputs and their shapes, the same
# endpoints.csv byte for byte with 1 and with 2 threads, the report opened
# in headless Chromium without console errors (and a screenshot of it kept
# in the build tree), the Japanese report, power, and Ctrl-C keeping what
# finished.  usage: trial.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$1; src=$(cd "$2" && pwd); out=$3
rm -rf "$out"; mkdir -p "$out"
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
sc="$src/tests/trial/toy_scenario.yaml"

"$ms" trial "$sc" --out "$out/t1" --threads 1 --quiet > "$out/t1.txt" 2>&1 && ok || { bad "trial (1 thread)"; cat "$out/t1.txt" >&2; }
"$ms" trial "$sc" --out "$out/t2" --threads 2 --quiet > "$out/t2.txt" 2>&1 && ok || { bad "trial (2 threads)"; cat "$out/t2.txt" >&2; }
for f in visits.csv endpoints.csv summary.csv failures.csv synergy.csv report.html fig-score.png \
         fig-rates.png fig-waterfall.png fig-marker-1.png inputs/toy_scenario.yaml inputs/toy_model.yaml; do
  [[ -s "$out/t1/$f" ]] && ok || bad "missing $f"
done
for f in endpoints.csv visits.csv summary.csv synergy.csv; do
  cmp -s "$out/t1/$f" "$out/t2/$f" && ok || bad "$f differs between 1 and 2 threads"
done
head -1 "$out/t1/endpoints.csv" | grep -qx "arm,patient,baseline_hamd,final_hamd,change,response,remission,crp0" && ok || bad "endpoints header: $(head -1 "$out/t1/endpoints.csv")"
[[ $(($(wc -l < "$out/t1/endpoints.csv") - 1)) -eq 240 ]] && ok || bad "240 patients in endpoints.csv"
[[ $(($(wc -l < "$out/t1/visits.csv") - 1)) -eq 1680 ]] && ok || bad "240 x 7 visits"
head -1 "$out/t1/visits.csv" | grep -q "^arm,patient,week,HAMD,CRP_obs$" && ok || bad "visits header"
grep -q "^tms_exosome,all,60," "$out/t1/summary.csv" && ok || bad "summary row"
grep -q "^verdict," "$out/t1/synergy.csv" && ok || bad "synergy verdict"
grep -q "candidates screened, 240 included" "$out/t1.txt" && ok || bad "screening reported"

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

# Japanese report
"$ms" trial "$sc" --out "$out/ja" --lang ja --quiet > /dev/null 2>&1 && ok || bad "trial --lang ja"
grep -q '<html lang="ja">' "$out/ja/report.html" && grep -q "エビデンス台帳" "$out/ja/report.html" && ok || bad "Japanese report"

# power
"$ms" power "$src/tests/trial/closed_form_scenario.yaml" --quiet > "$out/power.txt" 2>&1 && ok || bad "power"
grep -q "interaction (synergy): [0-9]* patients per arm" "$out/power.txt" && ok || bad "power output: $(cat "$out/power.txt")"

# Ctrl-C keeps what finished
big="$out/big.yaml"
sed 's/patients_per_arm: 60/patients_per_arm: 3000/; s|model: toy_model.yaml|model: '"$src"'/tests/trial/toy_model.yaml|; s|protocol: \.\./\.\./protocols/|protocol: '"$src"'/protocols/|; s|protocol: sham_exosome.yaml|protocol: '"$src"'/tests/trial/sham_exosome.yaml|' "$sc" > "$big"
"$ms" trial "$big" --out "$out/int" --threads 2 > "$out/int.txt" 2>&1 &
pid=$!
sleep 3
kill -INT $pid
wait $pid; rc=$?
[[ $rc -eq 130 ]] && ok || { bad "interrupted run exits 130, got $rc"; tail -3 "$out/int.txt" >&2; }
n=$(($(wc -l < "$out/int/endpoints.csv" 2>/dev/null || echo 1) - 1))
[[ $n -gt 0 && $n -lt 12000 ]] && ok || bad "interrupted run keeps some, not all, patients ($n)"
grep -q "interrupted" "$out/int/report.html" 2>/dev/null && ok || bad "report says interrupted"

echo "trial: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
