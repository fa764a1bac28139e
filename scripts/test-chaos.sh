#!/usr/bin/env bash
# `npm run test:chaos`: prepare like `npm test`, then the long chaos cases (vitest.chaos.config.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
npx vitest run -c vitest.chaos.config.ts "$@"
