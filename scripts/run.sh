#!/usr/bin/env bash
# Breakout's one run command: installs what building needs on a fresh Debian 12 machine (idempotent),
# then starts the sync endpoint on 127.0.0.1:7878 with its data in ./data. (Until the desktop app
# lands, this runs the endpoint on its own; the app will embed it.) Usage: bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec cargo run --locked -p breakout-server -- \
  --listen "${BREAKOUT_LISTEN:-127.0.0.1:7878}" --data-dir "${BREAKOUT_DATA_DIR:-./data}"
