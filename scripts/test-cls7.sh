#!/usr/bin/env bash
# Runs the type check and the whole test suite against nestjs-cls 7, the other
# major version the peer range claims (development and CI use 6.3). nestjs-cls
# 7 needs Node 22 or later, so the run uses Node 22 from the npm registry (the
# official binary, published as `node-<platform>-<arch>`), downloaded once into
# ${XDG_CACHE_HOME:-~/.cache}/nestjs-prisma-tenancy and reused; a `node` on
# PATH of that major is used as is. TENANCY_TEST_NODE_MAJOR=24 picks Node 24.
# Like test-nest11.sh it works on a copy of the committed tree in a temporary
# folder, so node_modules here is left alone: `npm run test:cls7`. Takes a few
# minutes (an install, then the suite). TENANCY_TEST_DATABASE_URL is honoured
# as by `npm test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
major="${TENANCY_TEST_NODE_MAJOR:-22}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nestjs-prisma-tenancy"
work="$(mktemp -d "${TMPDIR:-/tmp}/tenancy-cls7-XXXXXX")"
npmrc="$work.npmrc"
trap 'rm -rf "$work" "$npmrc"' EXIT
# Readable by all: as root, embedded PostgreSQL runs its binaries as a user of its own.
chmod 755 "$work"

# Node: the newest release of the major, unpacked once per version.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)" != "$major" ]; then
  pkg="node-$(node -p 'process.platform + "-" + process.arch')"
  version="$(npm view "$pkg@$major" version --json |
    node -e 'const v = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")));
      const key = (s) => s.split(".").map(Number);
      v.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
      console.log(v.at(-1));')"
  dir="$cache/node-v$version"
  if [ ! -x "$dir/bin/node" ]; then
    echo "Fetching $pkg@$version into $dir"
    mkdir -p "$cache"
    download="$(mktemp -d "$cache/.download-XXXXXX")"
    (cd "$download" && npm pack --silent "$pkg@$version" >/dev/null && tar -xzf ./*.tgz)
    rm -rf "$dir"
    mv "$download/package" "$dir"
    rm -rf "$download"
  fi
  export PATH="$dir/bin:$PATH"
fi

git -C "$root" archive HEAD | tar -x -C "$work"
cd "$work"
npm ci --no-audit --no-fund
# The transactional plugin is released in step with nestjs-cls. Its newest
# release is installed when its peer range takes nestjs-cls 7; otherwise the
# locked one stays (3.3 asks for nestjs-cls ^6.3) and its tests run across
# that range, which tells whether the adapter still works there.
extra=()
cls_peer="$(npm view @nestjs-cls/transactional@latest peerDependencies.nestjs-cls)"
if node -e 'process.exit(require("semver").intersects(process.argv[1], "^7") ? 0 : 1)' "$cls_peer"; then
  extra+=(@nestjs-cls/transactional@latest)
else
  # The package test installs the tarball into scratch apps with the peers
  # installed here, where npm would refuse 3.3 beside nestjs-cls 7 likewise.
  # Its npm children keep only the npm_config_userconfig of npm's settings.
  userconfig="${npm_config_userconfig:-$HOME/.npmrc}"
  { cat "$userconfig" 2>/dev/null || true; echo "legacy-peer-deps=true"; } >"$npmrc"
  export npm_config_userconfig="$npmrc"
fi
npm install --no-save --no-audit --no-fund nestjs-cls@^7 "${extra[@]}"
echo "Node $(node -v), nestjs-cls $(node -p "require('nestjs-cls/package.json').version")," \
  "@nestjs-cls/transactional $(node -p "require('@nestjs-cls/transactional/package.json').version")"
npm run prisma:generate
npm run typecheck
# Arguments go to jest: `npm run test:cls7 -- test/context test/http` runs those folders only.
npm test -- "$@"
