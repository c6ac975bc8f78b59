#!/usr/bin/env bash
# Runs the type check and the queue tests against BullMQ 5, the other major
# version the peer range claims (development and CI use 6). Like
# test-nest11.sh it works on a copy of the committed tree in a temporary
# folder, so node_modules here is left alone: `npm run test:bullmq5`. The
# queue tests talk to the real Redis on 127.0.0.1:6379, as in `npm test`.
# Arguments go to jest instead of the default folder:
# `npm run test:bullmq5 -- test/queues test/http`.
set -euo pipefail
# shellcheck source=committed-tree.sh
source "$(dirname "$0")/committed-tree.sh"
enter_committed_tree bullmq5
npm ci --no-audit --no-fund
# @nestjs/bullmq's peer range takes BullMQ 3 to 6, so only BullMQ changes.
npm install --no-save --no-audit --no-fund bullmq@^5
echo "Node $(node -v), bullmq $(node -p "require('bullmq/package.json').version"), @nestjs/bullmq $(node -p "require('@nestjs/bullmq/package.json').version")"
npm run prisma:generate
npm run typecheck
if [ $# -eq 0 ]; then set -- test/queues; fi
npm test -- "$@"
