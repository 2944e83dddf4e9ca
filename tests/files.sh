#!/usr/bin/env bash
# No file a run did not create is truncated, removed or written through:
# a trial whose inputs lie in its own output directory keeps them intact;
# two protocols of one file name are both kept in inputs/; a symbolic link
# in the output directory is never followed; calibrate --write-model onto
# the model itself, failing on a full disk, leaves the model as it was;
# hostile arm labels are escaped in the report; a killed compilation's
# directory is removed by the next.
# usage: files.sh MOODSIM SOURCE_DIR OUT_DIR
set -u
ms=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$(cd "$2" && pwd); out=$3
source "$(dirname "$0")/lib.sh"
fresh_out "$out"

# A self-contained copy of the toy factorial scenario (10 patients per arm),
# protocols beside it; the factorial's combination arm reads a protocol
# named like another arm's, from a subdirectory.
p="$out/p"; mkdir -p "$p/inputs/b"
cp "$src/tests/trial/toy_model.yaml" "$src/tests/trial/sham_exosome.yaml" "$src/protocols/sham_tms.yaml" \
   "$src/protocols/tms.yaml" "$p/inputs/"
cp "$src/protocols/tms_exosome.yaml" "$p/inputs/b/tms.yaml"
sed -e 's|protocol: \.\./\.\./protocols/tms_exosome.yaml|protocol: b/tms.yaml|' \
    -e 's|protocol: \.\./\.\./protocols/|protocol: |' -e 's|^patients_per_arm: .*|patients_per_arm: 10|' \
    -e 's|bootstrap: 1000|bootstrap: 100|' "$src/tests/trial/toy_scenario.yaml" > "$p/inputs/scenario.yaml"
grep -q "b/tms.yaml" "$p/inputs/scenario.yaml" && ok || bad "the test's scenario was not rewritten"
sums() { (cd "$p/inputs" && md5sum toy_model.yaml sham_exosome.yaml sham_tms.yaml tms.yaml b/tms.yaml scenario.yaml); }
sums > "$out/before.md5"

# 1. inputs in DIR/inputs, the trial written into DIR: every input intact
(cd "$p" && "$ms" trial inputs/scenario.yaml --out . --quiet) > "$out/p.txt" 2>&1 && ok ||
  { bad "trial with its inputs in its output directory"; cat "$out/p.txt" >&2; }
sums | cmp -s - "$out/before.md5" && ok || bad "the trial changed its own inputs: $(sums | diff "$out/before.md5" -)"
[[ -s "$p/summary.csv" && -s "$p/report.html" ]] && ok || bad "no summary or report beside the inputs"

# 2. two protocols named tms.yaml: both kept, the second as 2-tms.yaml
"$ms" trial "$p/inputs/scenario.yaml" --out "$out/q" --quiet > "$out/q.txt" 2>&1 && ok ||
  { bad "trial into a fresh directory"; cat "$out/q.txt" >&2; }
cmp -s "$out/q/inputs/tms.yaml" "$p/inputs/tms.yaml" && ok || bad "inputs/tms.yaml is not the tms arm's protocol"
cmp -s "$out/q/inputs/2-tms.yaml" "$p/inputs/b/tms.yaml" && ok || bad "inputs/2-tms.yaml is not the second tms.yaml"
for f in toy_model.yaml scenario.yaml sham_exosome.yaml sham_tms.yaml; do
  cmp -s "$out/q/inputs/$f" "$p/inputs/$f" && ok || bad "inputs/$f missing or different"
done
for f in endpoints.csv visits.csv summary.csv; do
  cmp -s "$out/q/$f" "$p/$f" && ok || bad "$f differs between the two layouts"
done

# 3. symbolic links in the output directory: whole-file outputs replace the
# link (its target untouched), streamed per-patient files refuse it
mkdir -p "$out/r"; echo keep > "$out/victim"
ln -s "$out/victim" "$out/r/summary.csv"; ln -s "$out/victim" "$out/r/report.html"
"$ms" trial "$p/inputs/scenario.yaml" --out "$out/r" --quiet > "$out/r.txt" 2>&1 && ok ||
  { bad "trial over links to summary.csv and report.html"; cat "$out/r.txt" >&2; }
[[ "$(cat "$out/victim")" == keep ]] && ok || bad "a link's target was written through"
[[ -f "$out/r/summary.csv" && ! -L "$out/r/summary.csv" ]] && ok || bad "summary.csv is still a link"
mkdir -p "$out/s"; ln -s "$out/victim" "$out/s/endpoints.csv"
"$ms" trial "$p/inputs/scenario.yaml" --out "$out/s" --quiet > "$out/s.txt" 2>&1; rc=$?
[[ $rc -ne 0 ]] && grep -q "endpoints.csv: is a symbolic link" "$out/s.txt" && ok ||
  bad "a link at endpoints.csv: exit $rc, $(cat "$out/s.txt")"
[[ "$(cat "$out/victim")" == keep ]] && ok || bad "endpoints.csv's link target was written through"
ls "$out"/r/*.tmp-* "$out"/q/*.tmp-* > /dev/null 2>&1 && bad "temporary files left behind" || ok

# a run stopped after its last patient, while its summary and report are
# written, keeps its checkpoint: --resume finishes it to the bytes an
# uninterrupted run writes
mkdir -p "$out/w/report.html"
"$ms" trial "$p/inputs/scenario.yaml" --out "$out/w" --quiet > "$out/w.txt" 2>&1; rc=$?
[[ $rc -ne 0 && -s "$out/w/checkpoint" ]] && ok || bad "a failed report: exit $rc, checkpoint $(ls "$out/w")"
rmdir "$out/w/report.html"
"$ms" trial --resume "$out/w" --quiet > "$out/w2.txt" 2>&1 && ok || { bad "resume after the last block"; cat "$out/w2.txt" >&2; }
for f in endpoints.csv visits.csv summary.csv synergy.csv; do
  cmp -s "$out/w/$f" "$out/q/$f" && ok || bad "$f of a run resumed after its last block differs"
done
[[ -s "$out/w/report.html" && ! -e "$out/w/checkpoint" && ! -e "$out/w/results.bin" ]] && ok ||
  bad "a finished resume leaves its report and no checkpoint: $(ls "$out/w")"

# a run killed while the C compiler ran leaves its directory; the next
# compilation removes those of processes that are gone (and only those)
tmpd="$out/tmpdir"; mkdir -p "$tmpd"
sleep 0 & dead=$!; wait $dead
mkdir "$tmpd/moodsim-$dead-abcdef" "$tmpd/moodsim-$$-ghijkl"
echo "int x;" > "$tmpd/moodsim-$dead-abcdef/model.c"
TMPDIR="$tmpd" "$ms" trial "$p/inputs/scenario.yaml" --out "$out/n" --quiet > "$out/n.txt" 2>&1 && ok ||
  { bad "trial with a stale compile directory"; cat "$out/n.txt" >&2; }
[[ ! -e "$tmpd/moodsim-$dead-abcdef" ]] && ok || bad "a dead process's compile directory was not removed"
[[ -d "$tmpd/moodsim-$$-ghijkl" ]] && ok || bad "a live process's compile directory was removed"
[[ $(ls "$tmpd" | wc -l) -eq 1 ]] && ok || bad "the run left its own compile directory: $(ls "$tmpd")"

# 4. calibrate --write-model onto the model itself, on a "full disk" (a file
# size limit): an error, and the model exactly as it was
c="$out/c"; mkdir -p "$c"
cp "$src/models/depression_inflammation.yaml" "$c/model.yaml"
sed 's|^model: .*|model: model.yaml|' "$src/calibration/crp_healthy.yaml" > "$c/cal.yaml"
md5sum < "$c/model.yaml" > "$out/model.md5"
(trap '' XFSZ; ulimit -f 8; "$ms" calibrate "$c/cal.yaml" --quiet --write-model "$c/model.yaml") > "$out/c.txt" 2>&1; rc=$?
[[ $rc -ne 0 ]] && grep -q "model.yaml: cannot write" "$out/c.txt" && ok || bad "a failed --write-model: exit $rc, $(cat "$out/c.txt")"
md5sum < "$c/model.yaml" | cmp -s - "$out/model.md5" && ok || bad "a failed --write-model changed or removed the model"
ls "$c" | grep -q "tmp-" && bad "a failed --write-model left its temporary file" || ok
"$ms" calibrate "$c/cal.yaml" --quiet --write-model "$c/model.yaml" > "$out/c2.txt" 2>&1 && ok ||
  { bad "--write-model onto the model itself"; cat "$out/c2.txt" >&2; }
"$ms" check "$c/model.yaml" > /dev/null 2>&1 && ok || bad "the rewritten model does not load"

# a full disk during a trial is not bad input: exit 1, naming the file
(trap '' XFSZ; ulimit -f 8; "$ms" trial "$p/inputs/scenario.yaml" --out "$out/full" --quiet) > "$out/full.txt" 2>&1; rc=$?
[[ $rc -eq 1 ]] && grep -q "full/visits.csv: cannot write: File too large" "$out/full.txt" && ok || bad "a full disk during a trial: exit $rc, $(cat "$out/full.txt")"

# 5. hostile labels are text in the report, never markup
sed -e 's|label: Sham TMS,|label: "<img src=x onerror=alert(1)>",|' -e 's|label: TMS,|label: "</td><script>alert(2)</script>",|' \
  "$p/inputs/scenario.yaml" > "$p/inputs/hostile.yaml"
"$ms" trial "$p/inputs/hostile.yaml" --out "$out/h" --quiet > "$out/h.txt" 2>&1 && ok ||
  { bad "trial with hostile labels"; cat "$out/h.txt" >&2; }
grep -q "&lt;img src=x onerror=alert(1)&gt;" "$out/h/report.html" && ok || bad "the hostile label is not shown escaped"
grep -q "<img src=x\|<script>alert" "$out/h/report.html" && bad "a label's markup reaches report.html" || ok

finish "files"
