#!/usr/bin/env bash
# Runs a malformed-input corpus: for each line of DIR/EXPECTED
# ("file|line:col|text"), runs `CMD... DIR/file` and requires exit code 2,
# exactly one line on stderr, beginning "DIR/file:line:col: " and containing
# the text.  A sanitizer report would add lines and change the exit code.
# Lines starting with '@' name a file the runner generates (a 50 MB model).
# usage: malformed.sh DIR CMD...
set -u
dir=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
files=0
while IFS='|' read -r file pos text; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  path="$dir/$file"
  if [[ "$file" == @* ]]; then
    file=${file#@}; path="$tmp/$file"
    # 50 MB of plausible parameters: the size limit must answer before any parsing.
    { echo "model: huge"; echo "parameters:";
      yes '  p: {value: 1, unit: "1", hypothesis: a line repeated to make the file enormous}' |
        head -c 52428800; } > "$path"
  fi
  files=$((files + 1))
  stderr=$(timeout 60 "$@" "$path" 2>&1 >/dev/null); rc=$?
  nlines=$(printf '%s\n' "$stderr" | wc -l)
  want="$path:$pos: "
  if [[ $rc -eq 2 && $nlines -eq 1 && "$stderr" == "$want"* && "$stderr" == *"$text"* ]]; then
    ok
  else
    bad "$file: exit $rc, $nlines line(s); expected exit 2 and one line '$want...$text...'"
    printf '  got: %s\n' "$stderr" >&2
  fi
done < "$dir/EXPECTED"
# every corpus file must be listed, so none is silently skipped
for f in "$dir"/*; do
  b=$(basename "$f"); [[ "$b" == EXPECTED ]] && continue
  grep -q "^$b|" "$dir/EXPECTED" || bad "$b is not in EXPECTED"
done
finish "malformed ($files files)"
