#!/usr/bin/env bash
# Breakout's one test command: installs what the tests need on a fresh Debian 12 machine (idempotent),
# builds the UI, then runs every test in the workspace under a virtual X display — the end-to-end
# tests drive the real app through tauri-driver. Screenshots land in target/e2e-screenshots/.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-ui.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --locked
