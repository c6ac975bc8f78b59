#!/usr/bin/env bash
# Sourced by the scripts that test another version of a dependency
# (test-nest11.sh, test-bullmq5.sh): they install it in a copy of the
# committed tree, so node_modules here is left alone.

# Copies the committed tree (HEAD) into a new temporary folder named after $1,
# removed when the script exits, and enters it. Sets `work` to its path.
enter_committed_tree() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/tenancy-$1-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # Readable by all: as root, embedded PostgreSQL runs its binaries as a user of its own.
  chmod 755 "$work"
  git -C "$root" archive HEAD | tar -x -C "$work"
  cd "$work"
}
