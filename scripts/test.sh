#!/usr/bin/env bash
# Builds gpt2c and runs the whole test suite (ctest drives lit, GoogleTest, the
# Halide smoke test and a bounded fuzzing run). Needs ../shared beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
bash scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"
