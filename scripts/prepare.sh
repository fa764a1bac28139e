#!/usr/bin/env bash
# Shared preparation of `npm start` and `npm test`: Node check, dependencies, local services, build.
# Everything is skipped when already current, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "[prepare] Node $(node -v) is too old: install Node 20 or 22" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install: older than the lockfile (or any
# workspace manifest) means dependencies changed since.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ -n "$(find package.json package-lock.json packages/*/package.json apps/*/package.json -newer "$stamp" 2>/dev/null | head -1)" ]; then
  echo "[prepare] installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

node scripts/services.mjs ensure

echo "[prepare] building (tsc -b, incremental)"
npx tsc -b tsconfig.build.json
