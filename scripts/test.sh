#!/usr/bin/env bash
# Runs every test casebook has, after setting up what they need. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Builds are slow on small machines: keep the target dir outside the clone so runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casebook-target}"

# The live-mode tests drive the AWS SDK over HTTP against an emulator on loopback: moto server
# (pinned) wrapped by scripts/emulator.py, which each test starts on a free port.
MOTO_VERSION=5.2.6
venv="${CASEBOOK_EMULATOR_VENV:-$HOME/.cache/casebook-emulator/venv}"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    echo "installing the AWS emulator (moto[server]==$MOTO_VERSION) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
export CASEBOOK_EMULATOR_PYTHON="$venv/bin/python"

# The case export test opens the HTML report in headless Chromium (Debian's package).
if ! command -v "${CASEBOOK_CHROMIUM:-chromium}" >/dev/null; then
    echo "installing chromium (for the HTML report test)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    fi
fi

cargo fmt --all -- --check
cargo test --all-targets
