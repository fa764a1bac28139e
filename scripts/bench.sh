#!/usr/bin/env bash
# `npm run bench`: prepare like `npm test`, install the benchmarks' own dependencies, run them.
# Results go to bench/results/*.json; README.md summarises them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
if [ ! -d bench/node_modules ] || [ bench/package.json -nt bench/node_modules ]; then
  echo "[bench] installing benchmark dependencies"
  npm install --prefix bench --no-audit --no-fund --loglevel=error
fi
echo "[bench] ingress"
node bench/ingress/run.mjs
echo "[bench] tokens (BENCH_TOKENS_RUNS, default 10000x1,10000x2,100000x1: about 20 minutes)"
node bench/tokens/run.mjs
echo "[bench] messages (500/s over 1 000 accounts for 60 s, echo handler 20 ms)"
node bench/messages/run.mjs
