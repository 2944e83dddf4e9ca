#!/usr/bin/env bash
# The flagship model against the published figures it must reproduce
# (docs/model.md, "Calibration"), with virtual cohorts of at least 2,000:
#  - population: `moodsim calibrate` re-derives drive_median/drive_sigma from
#    Osimo et al. 2019 and the healthy CRP distribution, within the published
#    intervals, and the model file holds the fitted values (drift check);
#  - trials (calibration/trials.yaml, 2,000 matched patients, 5 arms):
#    THREE-D 10 Hz arm (Blumberger et al. 2018), placebo response (Furukawa
#    et al. 2016), drug-placebo difference (Stone et al. 2022), wait-list
#    improvement (Rutherford et al. 2012);
#  - kinetics: CRP half-life 19 h, exosome plasma half-life of minutes, NAD+
#    decay half-life about 6 days and a ~20 % rise after 300 mg IV NMN.
# usage: flagship.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$1; src=$(cd "$2" && pwd); out=$3
rm -rf "$out"; mkdir -p "$out"
source "$(dirname "$0")/lib.sh"
model="$src/models/depression_inflammation.yaml"

"$ms" check "$model" > /dev/null && ok || bad "the flagship model loads"
"$ms" check "$model" --ledger > "$out/ledger.tsv" && ok || bad "ledger"
awk -F'\t' 'NR > 1 && $4 == "unstated"' "$out/ledger.tsv" | grep -q . && bad "every entry states its evidence level" || ok

# population calibration
"$ms" calibrate "$src/calibration/crp_depression.yaml" > "$out/cal_dep.txt" && ok || bad "calibrate crp_depression: a target outside its interval"
"$ms" calibrate "$src/calibration/crp_healthy.yaml" > "$out/cal_healthy.txt" && ok || bad "calibrate crp_healthy: a target outside its interval"
fit() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
param() { "$ms" check "$model" --ledger | awk -F'\t' -v p="$1" '$1 == p { print $2 }'; }
for p in drive_median drive_sigma; do
  f=$(fit "$out/cal_dep.txt" $p); m=$(param $p)
  within "$(awk -v a="$f" -v b="$m" 'BEGIN { print a / b }')" 0.98 1.02 "model's $p ($m) is the calibrated value ($f)"
done

# depression vs healthy: the same equations, the two fitted populations, 3,000
# people each; raw-scale standardised differences (Hedges' g, as meta-analyses
# report them).  IL-1b: no clear elevation (Haapakoski et al. 2015) -- |g| < 0.2
# is our reading of "no clear elevation" (a small effect by Cohen's scale);
# IL-6 and CRP must be raised (g > 0.2; the published g of 0.61 and 0.71,
# Osimo et al. 2020, are not yet met: docs/model.md).
hm=$(fit "$out/cal_healthy.txt" drive_median); hs=$(fit "$out/cal_healthy.txt" drive_sigma)
"$ms" cohort "$model" --n 3000 --seed 11 --out "$out/depressed.csv" 2> /dev/null && ok || bad "cohort (depression)"
"$ms" cohort "$model" --n 3000 --seed 12 --set drive_median="$hm" --set drive_sigma="$hs" \
  --out "$out/healthy.csv" 2> /dev/null && ok || bad "cohort (healthy)"
hedges_g() { awk -F, -v c="$1" 'FNR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; f++; next }
  { n[f]++; s[f] += $k; ss[f] += $k * $k }
  END { for (j = 1; j <= 2; j++) { m[j] = s[j] / n[j]; v[j] = (ss[j] - n[j] * m[j] * m[j]) / (n[j] - 1) }
        sp = sqrt(((n[1] - 1) * v[1] + (n[2] - 1) * v[2]) / (n[1] + n[2] - 2))
        printf "%.4f\n", (m[1] - m[2]) / sp * (1 - 3 / (4 * (n[1] + n[2]) - 9)) }' "$out/depressed.csv" "$out/healthy.csv"; }
within "$(hedges_g IL1B_pgmL)" -0.2 0.2 "IL-1b depression vs healthy g (no clear elevation, Haapakoski et al. 2015)"
within "$(hedges_g IL6_pgmL)" 0.2 10 "IL-6 depression vs healthy g (raised)"
within "$(hedges_g CRP_mgL)" 0.2 10 "CRP depression vs healthy g (raised)"

# trials
"$ms" trial "$src/calibration/trials.yaml" --out "$out/trials" --quiet --threads 2 > "$out/trials.txt" 2>&1 && ok || { bad "calibration trial"; cat "$out/trials.txt" >&2; }
col() { awk -F, -v a="$1" -v g="all" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } NR > 1 && $1 == a && $2 == g { print $(h[c]) }' "$out/trials/summary.csv"; }
mean_of() { awk -F, -v a="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } NR > 1 && $1 == a { s += $(h[c]); n++ } END { print s / n }' "$out/trials/endpoints.csv"; }
# THREE-D, 10 Hz arm, n = 205: HRSD-17 23.5 (SD 4.4) -> 13.4 (SD 7.8); 95 % intervals of the means
within "$(mean_of tms_trd baseline_hamd)" 22.9 24.1 "THREE-D baseline HAM-D-17 (23.5)"
within "$(mean_of tms_trd final_hamd)" 12.3 14.5 "THREE-D HAM-D-17 after the course (13.4)"
# response and remission of the 10 Hz arm with Wilson 95 % intervals at n = 205
within "$(col tms_trd response_rate)" 0.40 0.54 "THREE-D response (47 %)"
within "$(col tms_trd remission_rate)" 0.21 0.33 "THREE-D remission (27 %)"
# Furukawa et al. 2016: placebo response 35-40 %; +-2 SE of a 2,000-patient arm added
within "$(col placebo response_rate)" 0.33 0.42 "placebo response (35-40 %)"
# Stone et al. 2022: drug-placebo difference about 1.75 points; tolerance +-0.75 (ours)
d=$(awk -v s="$(col ssri mean_change)" -v p="$(col placebo mean_change)" 'BEGIN { print p - s }')
within "$d" 1.0 2.5 "SSRI-placebo difference (1.75 points)"
# Rutherford et al. 2012: about 4 points on a wait-list; tolerance +-1.5 (ours)
within "$(awk -v c="$(col waitlist mean_change)" 'BEGIN { print -c }')" 2.5 5.5 "wait-list improvement (about 4 points)"

# kinetics
"$ms" simulate "$model" --protocol "$src/tests/flagship/challenge_48h.yaml" --days 6 --every 1 --out "$out/crp.csv" && ok || bad "challenge simulation"
base=$(awk -F, 'NR == 2 { for (i = 1; i <= NF; i++) if (h[i] == "CRP") print $i } NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }' "$out/crp.csv")
t_half=$(awk -F, -v b="$base" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CRP") c = i } $1 == 96 { a = $c - b } $1 == 134 { z = $c - b } END { print 38 * log(2) / log(a / z) }' "$out/crp.csv")
within "$t_half" 18 20 "CRP half-life after the challenge (19 h, Vigushin et al. 1993)"
"$ms" simulate "$model" --protocol "$src/tests/flagship/exosome_once.yaml" --days 1 --every 0.05 --out "$out/exo.csv" --rtol 1e-8 && ok || bad "exosome simulation"
exo_half=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "EXO_P") c = i } $1 == 1.1 { a = $c } $1 == 1.2 { z = $c } END { print 60 * 0.1 * log(2) / log(a / z) }' "$out/exo.csv")
within "$exo_half" 1 10 "exosome plasma half-life in minutes (about 2, Takahashi et al. 2013)"
"$ms" simulate "$model" --protocol "$src/tests/flagship/nmn_once.yaml" --days 10 --every 1 --out "$out/nad.csv" && ok || bad "NMN simulation"
nad_half=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "NAD") c = i } $1 == 48 { a = $c - 1 } $1 == 192 { z = $c - 1 } END { print 144 * log(2) / log(a / z) / 24 }' "$out/nad.csv")
within "$nad_half" 5.6 6.9 "NAD+ decay half-life in days (about 6.25, Berven et al.)"
nad_peak=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "NAD") c = i } NR > 1 && $c > m { m = $c } END { print m }' "$out/nad.csv")
within "$nad_peak" 1.1 1.3 "NAD+ rise after 300 mg IV NMN (about 20 %, Kimura et al. 2022)"

# MADRS by the linking of Leucht et al. 2018: HAM-D 20 -> MADRS 26
"$ms" simulate "$model" --days 1 --every 24 --out "$out/madrs.csv" && ok || bad "nominal simulation"
ratio=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "HAMD") h = i; if ($i == "MADRS") m = i } } NR == 2 { print $m / $h }' "$out/madrs.csv")
within "$ratio" 1.29 1.31 "MADRS / HAM-D-17 below HAM-D 30 (Leucht et al. 2018: 10, 20, 30 -> 13, 26, 39)"

finish "flagship"
