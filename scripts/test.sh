#!/usr/bin/env bash
# `npm test`: prepare, then lint, type-check the tests, and run every test against real services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
node scripts/browser.mjs
echo "[test] format (prettier --check)"
npx prettier --check --log-level warn .
echo "[test] lint"
npx eslint --max-warnings 0 .
echo "[test] type-check tests"
npx tsc -p tsconfig.tests.json
echo "[test] vitest"
npx vitest run "$@"
