#!/usr/bin/env bash
# The main job: builds gpt2c, imports GPT-2 124M (synthetic weights, so no download
# is needed) into the gpt2 dialect and prints a summary of the IR. With the mini
# checkpoint of ../shared present, it imports that real Hugging Face directory too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release
gpt2c=build/release/bin/gpt2c
mkdir -p build/demo

echo "== gpt2c import synthetic:gpt2 (GPT-2 124M, synthetic weights)"
"$gpt2c" import synthetic:gpt2 -o build/demo/gpt2.mlir --summary
echo "IR written to build/demo/gpt2.mlir"

mini=../shared/models/gpt2-mini-pydocs
if [[ -d "$mini" ]]; then
  echo "== gpt2c import $mini (Hugging Face checkpoint, sharded float16)"
  "$gpt2c" import "$mini" -o build/demo/gpt2-mini-pydocs.mlir --summary
fi
