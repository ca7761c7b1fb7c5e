#!/usr/bin/env bash
# Installs what building and testing Breakout needs on Debian 12, and nothing twice: the system
# libraries of Tauri (WebKitGTK), Xvfb and WebKitWebDriver for the end-to-end tests, nginx (the
# reverse-proxy test starts its own), tauri-driver, the Rust lint components and the UI's npm
# packages. Rust (rustup, cargo) and Node.js 20 with npm are expected to be installed already.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config libssl-dev file
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth webkit2gtk-driver
  nginx
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

tauri_driver_version="2.1.0"
if ! tauri-driver --help 2>/dev/null | grep -q .; then
  if ! "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" --help >/dev/null 2>&1; then
    cargo install tauri-driver --locked --version "$tauri_driver_version"
  fi
fi

# The UI's packages, exactly as package-lock.json pins them (again only when the lock changed).
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm ci --prefix ui --no-audit --no-fund
fi
