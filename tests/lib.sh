# tests/lib.sh — the shell tests' harness, sourced by each *.sh test: ok and
# bad count checks (bad says why on stderr), within checks that a number lies
# in a range, col reads a summary.csv cell, finish prints "NAME: N passed,
# N failed" and is the exit status.
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# within VALUE LO HI DESCRIPTION
within() {
  if awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; then ok
  else bad "$4: $1 not in [$2, $3]"; fi
}
finish() { echo "$1: $pass passed, $fail failed"; [[ $fail -eq 0 ]]; }
# col FILE ARM SUBGROUP COLUMN: one cell of a trial's summary.csv
col() { awk -F, -v a="$2" -v g="$3" -v c="$4" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $1 == a && $2 == g { print $h[c] }' "$1"; }
# fresh_out DIR: an empty output directory for a test.  A directory that
# exists, is not empty and was not made by a test (no .moodsim-test-output
# in it) is refused, never removed: a mistyped argument must not delete
# someone's files.
fresh_out() {
  if [[ -e "$1" && ! -e "$1/.moodsim-test-output" && -n "$(ls -A "$1" 2>/dev/null)" ]]; then
    echo "$0: $1 exists, is not empty and was not made by a test; refusing to remove it" >&2
    exit 2
  fi
  rm -rf "$1" && mkdir -p "$1" && touch "$1/.moodsim-test-output"
}
