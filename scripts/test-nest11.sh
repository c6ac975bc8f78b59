#!/usr/bin/env bash
# Runs the type check and the whole test suite against NestJS 11, the other
# major version the peer range claims (development and CI use 12). It works on
# a copy of the committed tree in a temporary folder, so node_modules here is
# left alone: `npm run test:nest11`. Takes a few minutes (an install, then
# the suite). TENANCY_TEST_DATABASE_URL is honoured as by `npm test`.
set -euo pipefail
# shellcheck source=committed-tree.sh
source "$(dirname "$0")/committed-tree.sh"
enter_committed_tree nest11
npm ci --no-audit --no-fund
# Every @nestjs package at its Nest 11 release (GraphQL's are 13 there), and the nats client Nest 11's
# NATS transport uses. --legacy-peer-deps: the Nest 12 releases in the lock name @nestjs/core 12 as a
# peer until they are replaced in this same install.
npm install --no-save --no-audit --no-fund --legacy-peer-deps \
  @nestjs/common@^11 @nestjs/core@^11 @nestjs/testing@^11 @nestjs/platform-express@^11 @nestjs/platform-fastify@^11 \
  @nestjs/microservices@^11 @nestjs/websockets@^11 @nestjs/platform-socket.io@^11 @nestjs/platform-ws@^11 \
  @nestjs/terminus@^11 @nestjs/bullmq@^11 @nestjs/graphql@^13 @nestjs/apollo@^13 @nestjs/mercurius@^13 nats@^2
echo "NestJS $(node -p "require('@nestjs/core/package.json').version")"
npm run prisma:generate
npm run typecheck
npm test -- "$@"
