#!/usr/bin/env bash
# Type-checks and builds the web UI into ui/dist, which the desktop app embeds at compile time (so
# this runs before any cargo build of the app). Usage: bash scripts/build-ui.sh
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --prefix ui
