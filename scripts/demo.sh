#!/usr/bin/env bash
# The main job: builds gpt2c, imports the model into the gpt2 dialect (printing a
# summary of the IR) and generates text with the reference interpreter.
#   scripts/demo.sh [MODEL] [PROMPT]
# MODEL defaults to synthetic:gpt2 (GPT-2 124M with synthetic weights: no download
# needed); pass a Hugging Face GPT-2 directory to use real weights. The tokenizer is
# MODEL's own, else $GPT2C_TOKENIZER_DIR, else ../shared/tokenizer/gpt2.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-synthetic:gpt2}"
prompt="${2:-The meaning of life is}"
bash scripts/build.sh release
gpt2c=build/release/bin/gpt2c
mkdir -p build/demo

echo "== gpt2c import $model"
"$gpt2c" import "$model" -o build/demo/model.mlir --summary
echo "IR written to build/demo/model.mlir"

echo "== gpt2c run $model --prompt \"$prompt\" (reference interpreter, float32)"
"$gpt2c" run "$model" --prompt "$prompt" -n 32 --seed 1
