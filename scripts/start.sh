#!/usr/bin/env bash
# `npm start`: prepare, then run every built process of CONTRACT.md under one supervisor.
# Without real WeChat credentials (COMPONENT_APPSECRET) the WeChat sandbox runs too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
exec node scripts/start-processes.mjs
