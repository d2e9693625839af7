#!/usr/bin/env bash
# Checks that every C++ source (*.h, *.cpp) under libklog/, tools/, tests/ and
# bench/ is formatted as the committed .clang-format says (clang-format
# --dry-run --Werror). Prints the files that differ, one a line on stdout, and
# exits 1 if there is one; prints nothing and exits 0 when all are formatted;
# exits 2 when clang-format is missing or fails on a file for another reason.
# With --fix it rewrites those files in place instead (what `make format`
# runs). Needs clang-format (Debian 12's clang-format package, which
# `make deps` installs).
# Usage: .ci/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
case ${1:-} in
  --fix) fix=1 ;;
  "") ;;
  *)
    echo "usage: $0 [--fix]" >&2
    exit 2
    ;;
esac
command -v clang-format >/dev/null || {
  echo "check_format: clang-format is not installed (make deps installs it)" >&2
  exit 2
}
[[ -f .clang-format ]] || {
  echo "check_format: no .clang-format in $PWD" >&2
  exit 2
}

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find libklog tools tests bench -type f \( -name '*.h' -o -name '*.cpp' \) -print0 | sort -z)

if ((fix)); then
  clang-format --style=file -i "${files[@]}"
  exit 0
fi

differ=0
for f in "${files[@]}"; do
  rc=0
  out=$(clang-format --style=file --dry-run --Werror "$f" 2>&1 >/dev/null) || rc=$?
  ((rc == 0)) && continue
  if [[ $out != *"[-Wclang-format-violations]"* ]]; then
    echo "check_format: clang-format failed on $f: $out" >&2
    exit 2
  fi
  echo "$f"
  differ=$((differ + 1))
done
if ((differ > 0)); then
  echo "check_format: $differ of ${#files[@]} file(s) differ from .clang-format (make format fixes them)" >&2
  exit 1
fi
