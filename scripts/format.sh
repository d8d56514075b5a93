#!/usr/bin/env bash
# Formats the C++ sources (src, include, tools, tests, bench, fuzz, examples) with .clang-format.
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   list the files that differ from the format; exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n "$cf" ]] || { echo "format.sh: clang-format not found (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'include/*.hpp' 'tools/*.cpp' 'tools/*.hpp' \
                                  'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp' 'fuzz/*.cpp' \
                                  'fuzz/*.hpp' 'examples/*.cpp')
if [[ "${1:-}" == "--check" ]]; then
  bad=0
  for f in "${files[@]}"; do
    "$cf" --style=file "$f" | cmp -s - "$f" || { echo "$f"; bad=1; }
  done
  exit $bad
fi
"$cf" --style=file -i "${files[@]}"
