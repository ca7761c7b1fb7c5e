#!/usr/bin/env bash
# Breakout's one test command: installs what the tests need on a fresh Debian 12 machine (idempotent),
# then runs every test in the workspace. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo test --workspace --locked
