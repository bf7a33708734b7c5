#!/usr/bin/env bash
# Prints each fork in third_party/ as a diff against the upstream version it
# was made from, taken from the Go module cache (downloaded if missing), so
# that an upgrade starts from a readable patch set:
#
#   bash scripts/fork-diff.sh              # both forks
#   bash scripts/fork-diff.sh bubbletea    # one
#
# The upstream versions are the ones PATCHES.md names.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A upstream=(
  [bubbletea]="charm.land/bubbletea/v2@v2.1.2"
  [ultraviolet]="github.com/charmbracelet/ultraviolet@v0.0.0-20261008173134-6b8d4baf91b4"
)

forks=("$@")
[ ${#forks[@]} -gt 0 ] || forks=(bubbletea ultraviolet)
for fork in "${forks[@]}"; do
  mod=${upstream[$fork]:-}
  if [ -z "$mod" ]; then
    echo "fork-diff: no fork called $fork (have: ${!upstream[*]})" >&2
    exit 2
  fi
  dir=$(go mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ]; then
    echo "fork-diff: could not download $mod" >&2
    exit 1
  fi
  echo "# third_party/$fork against $mod"
  # Every file the fork has, against upstream's (a new file against
  # nothing); diff exits 1 when they differ, which is the point here.
  while read -r f; do
    rel=${f#third_party/$fork/}
    [ "$rel" = PATCHES.md ] && continue
    old="$dir/$rel"
    [ -f "$old" ] || old=/dev/null
    diff -u --label "a/$rel" --label "b/$rel" "$old" "$f" || true
  done < <(git ls-files "third_party/$fork")
done
