#!/usr/bin/env bash
# The sidebar's checks: its generated API types are current, it type-checks, the unit
# tests of its DOM-free logic (api, rows, format, follow) pass under jest, and eslint and
# prettier find nothing.
# Usage: labextension/run-tests.sh   (from anywhere; needs node >= 18 and the npm registry)
set -euo pipefail
cd "$(dirname "$0")"
# the committed package-lock.json pins what CI installs; skip when node_modules is current
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# src/api-types.ts is generated from the team server's openapi.json: fail when it is stale
npm run --silent check:types
npx tsc --noEmit -p .
npx jest --ci "$@"
# lint and layout last, so a formatting slip never hides a test result
npm run --silent lint
npm run --silent format:check
