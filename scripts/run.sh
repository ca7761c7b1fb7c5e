#!/usr/bin/env bash
# Breakout's one run command: installs what building needs on a fresh Debian 12 machine (idempotent),
# builds the UI, then opens the desktop app. "Start a session" serves it from the endpoint embedded in
# the app (127.0.0.1, a free port); data lives in the OS's app data folder unless BREAKOUT_DATA_DIR is
# set, and BREAKOUT_ENDPOINT=https://… uses a hosted endpoint instead. Usage: bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
exec cargo run --locked --bin breakout
