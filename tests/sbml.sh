#!/usr/bin/env bash
# SBML as a user meets it: hostile files (invalid XML, a missing id, an
# undefined symbol, a billion-laughs entity bomb, an enormous file, a delay equation
# the engine cannot simulate yet, a package declared required that moodsim
# does not implement, a namespace that makes libSBML throw, a lambda without
# a body, recursive or exploding function definitions, 100,000 nested
# elements, empty and non-XML files) each answered by
# one line naming the file, exit code 2, within seconds; and the export of
# the flagship model read back to the same trajectories.
# usage: sbml.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$1; src=$(cd "$2" && pwd); out=$3
source "$(dirname "$0")/lib.sh"
fresh_out "$out"
# an enormous file: 70 MB of parameters
{ echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2"><model id="m"><listOfParameters>'
  yes '<parameter id="p" value="1" constant="true"/>' | head -c 73400320
  echo '</listOfParameters></model></sbml>'; } > "$out/enormous.xml"
# 100,000 nested annotation elements (libSBML's reader recursed until the stack overflowed)
python3 -c 'n = 100000; print("<?xml version=\"1.0\"?><sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" version=\"2\"><model id=\"m\"><annotation>" + "<a>" * n + "</a>" * n + "</annotation></model></sbml>")' > "$out/nested.xml"
for f in "$src"/tests/sbml/hostile/*.xml "$out/enormous.xml" "$out/nested.xml"; do
  err=$(timeout 30 "$ms" check "$f" 2>&1 >/dev/null); rc=$?
  n=$(printf '%s\n' "$err" | wc -l)
  if [[ $rc -eq 2 && $n -eq 1 && "$err" == "$f"* ]]; then ok; else bad "$(basename "$f"): exit $rc, $n line(s): $err"; fi
done
grep -q "delay() (in a model.s math): not supported" <(timeout 30 "$ms" check "$src/tests/sbml/hostile/delay_equation.xml" 2>&1) && ok || bad "the construct is named"
grep -q "initial_assignment_unknown.xml:6:[0-9]*: .*symbol 'nothere' does not refer" <(timeout 30 "$ms" check "$src/tests/sbml/hostile/initial_assignment_unknown.xml" 2>&1) && ok || bad "an SBML semantic error names its line"
grep -q "calls itself" <(timeout 30 "$ms" check "$src/tests/sbml/hostile/recursive_function.xml" 2>&1) && ok || bad "a recursive function definition is named"
grep -q "more than a million nodes" <(timeout 30 "$ms" check "$src/tests/sbml/hostile/doubling_functions.xml" 2>&1) && ok || bad "exploding function definitions are refused"
grep -q "the package 'qual' .*which the model declares required: not supported" <(timeout 30 "$ms" check "$src/tests/sbml/hostile/required_qual.xml" 2>&1) && ok || bad "a required package is refused by name"

# Level 1 rational stoichiometry: 3/10 of B per A, so B ends at 3 (was 30)
"$ms" simulate "$src/tests/sbml/l1_denominator.xml" --days 10 --every 240 --out "$out/l1.csv" && ok || bad "simulate a Level 1 model"
b=$(awk -F, 'NR == 3 { print $3 }' "$out/l1.csv")
within "$b" 2.999 3.001 "Level 1 stoichiometry 3 with denominator 10"

# time units: --days is converted to the model's declared unit (x' = -x per
# day: e^-1 after one day, printed at time_h 24); a model that declares none
# is refused unless --time-unit says; a scenario needs a model in hours
"$ms" simulate "$src/tests/sbml/time_in_days.xml" --days 1 --every 24 --out "$out/days.csv" && ok || bad "simulate a model in days"
awk -F, 'NR == 3 && $1 == 24 { exit !($2 > 0.36787 && $2 < 0.36789) } NR == 3 && $1 != 24 { exit 1 }' "$out/days.csv" && ok ||
  bad "one day of x' = -x per day: $(cat "$out/days.csv")"
"$ms" simulate "$src/tests/sbml/time_undeclared.xml" --days 1 --out "$out/u.csv" 2> "$out/u.err"; rc=$?
[[ $rc -eq 2 ]] && grep -q "declares no time unit" "$out/u.err" && ok || bad "an undeclared time unit: exit $rc, $(cat "$out/u.err")"
"$ms" simulate "$src/tests/sbml/time_undeclared.xml" --days 1 --every 24 --time-unit day --out "$out/u.csv" &&
  cmp -s "$out/u.csv" "$out/days.csv" && ok || bad "--time-unit day gives the declared model's result"
"$ms" simulate "$src/tests/sbml/time_in_days.xml" --days 1 --time-unit hour --out "$out/u.csv" 2> /dev/null
[[ $? -eq 2 ]] && ok || bad "--time-unit against a declared unit is refused"
printf 'scenario: s\nmodel: %s\nseed: 1\npatients_per_arm: 2\narms:\n  - {name: a}\nvisits_weeks: [0, 1]\nendpoints: {score: x}\n' \
  "$src/tests/sbml/time_in_days.xml" > "$out/days_scenario.yaml"
"$ms" trial "$out/days_scenario.yaml" --out "$out/dt" --quiet 2> "$out/dt.err"; rc=$?
[[ $rc -eq 2 ]] && grep -q "unit of time is not the hour" "$out/dt.err" && ok || bad "a scenario on a model in days: exit $rc, $(cat "$out/dt.err")"

# export, read back, same trajectories
model="$src/models/depression_inflammation.yaml"
"$ms" export "$model" --sbml "$out/flagship.xml" && ok || bad "export"
grep -q 'moodsim:provenance' "$out/flagship.xml" && ok || bad "provenance annotations"
"$ms" check "$out/flagship.xml" --ledger > "$out/ledger.tsv" && ok || bad "re-import"
grep -q "Osimo" "$out/ledger.tsv" && ok || bad "sources survive the round trip"
"$ms" simulate "$model" --days 60 --every 6 --out "$out/yaml.csv" && ok || bad "simulate yaml"
"$ms" simulate "$out/flagship.xml" --days 60 --every 6 --out "$out/sbml.csv" && ok || bad "simulate sbml"
if awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) h[$i] = i; else for (i = 1; i <= NF; i++) v[FNR, i] = $i; next }
    FNR == 1 { for (i = 1; i <= NF; i++) c[i] = ($i in h) ? h[$i] : 0; next }
    { for (i = 2; i <= NF; i++) if (c[i]) { a = v[FNR, c[i]]; b = $i; d = a - b; if (d < 0) d = -d; s = a < 0 ? -a : a;
        if (d > 1e-6 * s + 1e-12) { print "row " FNR " col " i ": " a " vs " b; bad = 1 } } }
    END { exit bad }' "$out/yaml.csv" "$out/sbml.csv" >&2; then ok; else bad "the SBML export does not reproduce the trajectories"; fi
finish "sbml"
