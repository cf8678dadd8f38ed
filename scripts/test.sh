#!/usr/bin/env bash
# Runs every test casebook has, after setting up what they need. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Builds are slow on small machines: keep the target dir outside the clone so runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/casebook-target}"

cargo fmt --all -- --check
cargo test --all-targets
