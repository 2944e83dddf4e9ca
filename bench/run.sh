#!/usr/bin/env bash
# bench/run.sh — `make bench`: the flagship model over 26 weeks of the
# seeds' combined protocol (TMS + exosome + NMN), one typical patient with
# the unproven effects as-claimed, simulated by moodsim and by three
# hand-written peers at the same tolerances; then whole-trial throughput at
# 1 and 2 threads, and with patients integrated in batches (the rate that
# projects a million-patient trial of bench/million26.yaml).  Prints ms per patient, ratios and agreement, and writes
# build/bench/results.csv.  Fails if a peer disagrees with moodsim on the
# final HAM-D-17 or CRP by more than the stated relative error.  Also: work
# against accuracy (rtol 1e-4 to 1e-8) and the time ratio at equal accuracy.
# usage: bench/run.sh BUILD_DIR [--agree]
#   --agree: only the agreement of every peer with moodsim on one patient
#            (one run each, no timing; make check runs this so that the
#            peers cannot drift from the model)
set -euo pipefail
build=${1:-build/release}
agree_only=0; [[ "${2:-}" == "--agree" ]] && agree_only=1
src=$(cd "$(dirname "$0")/.." && pwd)
out="${BENCH_OUT:-$src/build/bench}"
mkdir -p "$out"
ms="$build/moodsim"
# the peers type version 1 of the flagship model by hand (version 2 is the
# model file; version 1 is kept unchanged but for TMS in pulses: tms / 6000)
model="$src/models/depression_inflammation_v1.yaml"
proto="$src/protocols/tms_exosome_nmn.yaml"
days=182 rtol=1e-6 atol=1e-9 agree=1e-4
claimed=(exo_strength=0.7 exo_bdnf=1 synergy_strength=8 nmn_strength=3)
sets=(); for c in "${claimed[@]}"; do sets+=(--set "$c"); done

# inputs every peer reads: parameter values, the calendar, and each state's
# magnitude (the peak over the run, from moodsim), which scales the absolute
# tolerance exactly as moodsim does (docs/scenario-format.md, solver)
"$ms" check "$model" --ledger > "$out/ledger.tsv"
"$ms" protocol events "$proto" --model "$model" --format csv > "$out/events.csv"
"$ms" simulate "$model" --protocol "$proto" --days $days --every 0.05 "${sets[@]}" --out "$out/reference.csv"
nstates=$(awk -F, 'NR == 1 { for (i = 2; i <= NF; i++) if ($i == "HAMD") { print i - 2; exit } }' "$out/reference.csv")
awk -F, -v n="$nstates" 'NR == 1 { for (i = 2; i <= n + 1; i++) name[i] = $i; next }
  { for (i = 2; i <= n + 1; i++) { v = $i < 0 ? -$i : $i; if (v > m[i]) m[i] = v } }
  END { for (i = 2; i <= n + 1; i++) print name[i] "," m[i] + 0 }' "$out/reference.csv" > "$out/scales.csv"
# a state's abs_tol: in the model is a floor under its absolute tolerance;
# fold it into that state's scale for the peers (atol * scale = the floor)
"$ms" check "$model" | awk '/^states/ { s = 1; next } /^$/ { s = 0 }
  s { for (i = 1; i < NF; i++) if ($i == "abs_tol") print $1 "," $(i + 1) }' > "$out/floors.csv"
scales_for() { # ATOL: writes $out/scales-ATOL.csv
  awk -F, -v a="$1" 'NR == FNR { f[$1] = $2; next }
    { v = $2; if (($1 in f) && f[$1] / a > v) v = f[$1] / a; print $1 "," v }' \
    "$out/floors.csv" "$out/scales.csv" > "$out/scales-$1.csv"
}
# the accuracy reference: the model without the floors, at rtol 1e-10
sed -E 's/abs_tol: *[^,}]+, *//' "$model" > "$out/model-nofloor.yaml"
peer_args=("$out/ledger.tsv" "$out/events.csv" $days)

echo "moodsim benchmark: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "flagship model, $days days of protocols/tms_exosome_nmn.yaml, rtol $rtol, atol $atol (scaled by each state's peak)"
scales_for $atol
reps() { [[ $agree_only -eq 1 ]] && echo 1 || echo "$1"; }
{
  "$build/bench_moodsim" "$model" "$proto" $days $(reps 50) $rtol $atol --native "${claimed[@]}"
  "$build/bench_moodsim" "$model" "$proto" $days $(reps 50) $rtol $atol "${claimed[@]}"
  "$build/bench_moodsim" "$model" "$proto" $days $(reps 50) $rtol $atol --method=dirk --native "${claimed[@]}"
  "$build/peer_cvode" "${peer_args[@]}" $(reps 20) $rtol $atol --scales="$out/scales-$atol.csv" "${claimed[@]}"
  /usr/bin/python3 "$src/bench/peer_scipy.py" LSODA "${peer_args[@]}" $(reps 3) $rtol $atol --scales="$out/scales-$atol.csv" "${claimed[@]}" | tail -1
  /usr/bin/python3 "$src/bench/peer_scipy.py" BDF "${peer_args[@]}" $(reps 2) $rtol $atol --scales="$out/scales-$atol.csv" "${claimed[@]}" | tail -1
  Rscript "$src/bench/peer_desolve.R" "${peer_args[@]}" $(reps 2) $rtol $atol --scales="$out/scales-$atol.csv" "${claimed[@]}"
} > "$out/per_patient.csv"

status=0
awk -F, -v tol=$agree 'NR == 1 { ms0 = $2; h0 = $3; c0 = $4 }
  { dh = ($3 - h0) / h0; dc = ($4 - c0) / c0; if (dh < 0) dh = -dh; if (dc < 0) dc = -dc
    ok = dh <= tol && dc <= tol
    printf "  %-20s %10.2f ms/patient  %8.1fx moodsim-native  steps %6d  HAMD %.8g  CRP %.8g  rel.diff %.1e %.1e %s\n",
      $1, $2, $2 / ms0, $5, $3, $4, dh, dc, ok ? "agree" : "DISAGREE"
    if (!ok) bad = 1 }
  END { exit bad }' "$out/per_patient.csv" || status=1
echo "  (agreement: final HAM-D-17 and CRP within relative $agree of moodsim)"
[[ $agree_only -eq 1 ]] && exit $status

# work against accuracy: each tool at rtol 1e-4 ... 1e-8 (atol = rtol/1000,
# scaled as above), its error = the larger relative error of the final HAM-D
# and CRP against moodsim at rtol 1e-10; then, for every peer point, how much
# longer it takes than the cheapest moodsim point at least as accurate
ref=$("$build/bench_moodsim" "$out/model-nofloor.yaml" "$proto" $days 1 1e-10 1e-13 "${claimed[@]}")
: > "$out/precision.csv"
for r in 1e-4 1e-5 1e-6 1e-7 1e-8; do
  a=$(awk -v r=$r 'BEGIN { print r / 1000 }')
  scales_for $a
  {
    "$build/bench_moodsim" "$model" "$proto" $days 10 $r $a --native "${claimed[@]}"
    "$build/bench_moodsim" "$model" "$proto" $days 10 $r $a --method=dirk --native "${claimed[@]}"
    "$build/peer_cvode" "${peer_args[@]}" 5 $r $a --scales="$out/scales-$a.csv" "${claimed[@]}"
    /usr/bin/python3 "$src/bench/peer_scipy.py" LSODA "${peer_args[@]}" 1 $r $a --scales="$out/scales-$a.csv" "${claimed[@]}" | tail -1
    Rscript "$src/bench/peer_desolve.R" "${peer_args[@]}" 1 $r $a --scales="$out/scales-$a.csv" "${claimed[@]}"
  } | awk -F, -v r=$r -v ref="$ref" 'BEGIN { split(ref, x, ","); h0 = x[3]; c0 = x[4] }
      { eh = ($3 - h0) / h0; ec = ($4 - c0) / c0; if (eh < 0) eh = -eh; if (ec < 0) ec = -ec
        print $1 "," r "," $2 "," (eh > ec ? eh : ec) }' >> "$out/precision.csv"
done
echo "  work against accuracy (error: final HAM-D-17 and CRP against rtol 1e-10):"
awk -F, '{ printf "    %-14s rtol %-5s %10.2f ms  error %.1e\n", $1, $2, $3, $4 }' "$out/precision.csv"
awk -F, '$1 == "moodsim-native" { n++; mt[n] = $3; me[n] = $4; next } { p[++k] = $0 }
  END { for (i = 1; i <= k; i++) { split(p[i], f, ","); best = -1
          for (j = 1; j <= n; j++) if (me[j] <= f[4] && (best < 0 || mt[j] < best)) best = mt[j]
          if (best > 0) printf "    at equal or better accuracy, %s (rtol %s) takes %.1fx moodsim-native\n", f[1], f[2], f[3] / best
          else printf "    %s (rtol %s): no moodsim-native point as accurate\n", f[1], f[2] } }' "$out/precision.csv"

# whole trials: patients per second at 1 and 2 threads, and the peak memory
# (maximum resident set) of the 2-thread run against one 4 times smaller
sc="$src/bench/throughput.yaml"
n=$(awk '/^patients_per_arm:/ { print 2 * $2 }' "$sc")
for th in 1 2; do
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$out/rss-$th.txt" "$ms" trial "$sc" --out "$out/trial-$th" --threads $th --quiet > /dev/null
  t1=$(date +%s.%N)
  awk -v th=$th -v n=$n -v a=$t0 -v b=$t1 'BEGIN { print th "," n / (b - a) }' >> "$out/throughput.tmp"
done
awk '/^patients_per_arm:/ { print "patients_per_arm: " int($2 / 4); next } { print }' "$sc" > "$out/quarter.yaml"
sed -i "s|^model: \.\./|model: $src/|; s|protocol: \.\./|protocol: $src/|g" "$out/quarter.yaml"
/usr/bin/time -f %M -o "$out/rss-quarter.txt" "$ms" trial "$out/quarter.yaml" --out "$out/trial-quarter" --threads 2 --quiet > /dev/null
awk -F, '{ r[$1] = $2 } END {
  printf "  whole trial (%s): %.1f patients/s on 1 thread, %.1f on 2 (x%.2f)\n", "bench/throughput.yaml", r[1], r[2], r[2] / r[1] }' "$out/throughput.tmp"
echo "  peak memory (2 threads): $(cat "$out/rss-quarter.txt") KB for $((n / 4)) patients, $(cat "$out/rss-2.txt") KB for $n"
cmp -s "$out/trial-1/endpoints.csv" "$out/trial-2/endpoints.csv" || { echo "  endpoints differ between 1 and 2 threads"; status=1; }
# patients in batches (docs/scenario-format.md): bench/million26.yaml (the
# combined 26-week calendar against sham, rtol 2e-4, batches of 32) at two
# sizes, with and without batches, on 2 threads; the marginal rate (the
# difference of the two sizes: the compilation and the numerical check
# cancel) and the million-patient time it projects
big="$src/bench/million26.yaml"
for b in 1 32; do
  for per in 500 2500; do
    sed "s|^patients_per_arm:.*|patients_per_arm: $per|; s|^model: \.\./|model: $src/|; s|protocol: \.\./|protocol: $src/|g; s|batch: 32|batch: $b|" \
      "$big" > "$out/batch-$b-$per.yaml"
    t0=$(date +%s.%N)
    "$ms" trial "$out/batch-$b-$per.yaml" --out "$out/trial-batch-$b-$per" --threads 2 --one-setting --quiet > /dev/null
    t1=$(date +%s.%N)
    echo "$b,$per,$t0,$t1" >> "$out/batch.tmp"
  done
done
awk -F, '{ t[$1, $2] = $4 - $3 } END {
  for (b = 1; b <= 32; b += 31) {
    r[b] = 2 * (2500 - 500) / (t[b, 2500] - t[b, 500])
    printf "  million26.yaml, batch %2d: %.0f patient-arms/s marginal (2 threads), %.2f ms CPU each; a million in %.1f min\n", b, r[b], 2000 / r[b], 1e6 / r[b] / 60
  }
  printf "  batches of 32: x%.2f\n", r[32] / r[1]
  printf "trial_batch_1,patient_arms_per_s=%.1f,,,,\ntrial_batch_32,patient_arms_per_s=%.1f,,,,\n", r[1], r[32] > "'"$out/batch.csv"'" }' "$out/batch.tmp"
rm -f "$out/batch.tmp"
# BENCH_LONG=1: issue 30's two goals in full (about 25 minutes more): a
# Morris screening of seed question (b) (10 trajectories, 100 patients per
# arm, batches of 32; goal <= 10 min) and the million-patient 26-week trial
# (bench/million26.yaml, one setting; goal <= 20 min)
: > "$out/long.csv"
if [[ "${BENCH_LONG:-0}" == 1 ]]; then
  t0=$(date +%s.%N)
  "$ms" sensitivity "$src/scenarios/b_tms_exosome_as_claimed.yaml" --out "$out/morris-b" \
    --trajectories 10 --patients 100 --batch 32 --quiet > "$out/morris-b.txt"
  t1=$(date +%s.%N)
  "$ms" trial "$big" --out "$out/million26" --one-setting --quiet > "$out/million26.txt"
  t2=$(date +%s.%N)
  awk -v a=$t0 -v b=$t1 -v c=$t2 -v m="$(head -1 "$out/morris-b.txt")" 'BEGIN {
    printf "  seed (b) Morris: %s -- %.1f min (goal 10)\n", m, (b - a) / 60
    printf "  a million patients, 26 weeks: %.1f min (goal 20)\n", (c - b) / 60
    printf "morris_seed_b,minutes=%.2f,,,,\nmillion26,minutes=%.2f,,,,\n", (b - a) / 60, (c - b) / 60 > "'"$out/long.csv"'" }'
fi
{ echo "tool,ms_per_patient,final_hamd,final_crp,steps,restarts"; cat "$out/per_patient.csv"
  awk -F, '{ printf "trial_threads_%s,patients_per_s=%s,,,,\n", $1, $2 }' "$out/throughput.tmp"
  cat "$out/batch.csv" "$out/long.csv"; } > "$out/results.csv"
rm -f "$out/throughput.tmp"
echo "wrote $out/results.csv"
exit $status
