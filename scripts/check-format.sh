#!/usr/bin/env bash
# Fails if a C source or header of the repository is not formatted by its
# .clang-format (clang-format from Debian, installed by install-deps.sh).
# usage: check-format.sh [SOURCE_DIR]      fix with: clang-format -i FILE...
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
command -v clang-format > /dev/null || { echo "check-format: clang-format is not installed (scripts/install-deps.sh)" >&2; exit 2; }
files=$(git ls-files '*.c' '*.h' '*.cpp' 2> /dev/null || find src include tests tools bench examples -name '*.[ch]' -o -name '*.cpp')
bad=0
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" > /dev/null 2>&1; then
    echo "not formatted: $f (clang-format -i $f)" >&2
    bad=$((bad + 1))
  fi
done
n=$(printf '%s\n' $files | wc -l)
echo "format: $((n - bad)) of $n files formatted"
[[ $bad -eq 0 ]]
