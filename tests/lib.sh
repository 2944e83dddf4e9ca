# tests/lib.sh — the shell tests' harness, sourced by each *.sh test: ok and
# bad count checks (bad says why on stderr), within checks that a number lies
# in a range, finish prints "NAME: N passed, N failed" and is the exit status.
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# within VALUE LO HI DESCRIPTION
within() {
  if awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; then ok
  else bad "$4: $1 not in [$2, $3]"; fi
}
finish() { echo "$1: $pass passed, $fail failed"; [[ $fail -eq 0 ]]; }
