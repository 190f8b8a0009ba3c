#!/usr/bin/env bash
# Unit tests of the sidebar's DOM-free logic (api, rows, format) with jest.
# Usage: labextension/run-tests.sh   (from anywhere; needs node >= 18 and the npm registry)
set -euo pipefail
cd "$(dirname "$0")"
# the committed package-lock.json pins what CI installs; skip when node_modules is current
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsc --noEmit -p .
npx jest --ci "$@"
