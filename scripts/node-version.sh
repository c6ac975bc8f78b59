#!/usr/bin/env bash
# Runs `node <args>` on another major version of Node.js (fetched once from
# the npm registry by scripts/fetch-node.sh), with that Node first on PATH so
# child processes a bench spawns run on it too. For the benchmarks on Node 24:
#
#   npm run bench:node24 -- bench/rls.bench.ts
#   npm run bench:node24 -- --expose-gc bench/client-pool.bench.ts
#   bash scripts/node-version.sh 22 -r @swc-node/register bench/request.bench.ts
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 <major> <node arguments...>" >&2
  exit 2
fi
major="$1"
shift
bin="$(bash "$(dirname "$0")/fetch-node.sh" "$major")"
export PATH="$bin:$PATH"
exec "$bin/node" "$@"
