#!/usr/bin/env bash
# The main job: builds gpt2c, compiles the model for this CPU (x86 AVX-512) and
# generates text with the compiled executables through the standalone runtime.
#   scripts/demo.sh [MODEL] [PROMPT]
# MODEL defaults to synthetic:gpt2 (GPT-2 124M with synthetic weights: no download
# needed); pass a Hugging Face GPT-2 directory to use real weights. The tokenizer is
# MODEL's own, else ../shared/tokenizer/gpt2.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-synthetic:gpt2}"
prompt="${2:-The meaning of life is}"
bash scripts/build.sh release
bin=build/release/bin
mkdir -p build/demo

tokenizer=()
if [[ "$model" == synthetic:* ]]; then
  tokenizer=(--tokenizer ../shared/tokenizer/gpt2)
fi

echo "== gpt2c import $model (the gpt2 dialect)"
"$bin/gpt2c" import "$model" -o build/demo/model.mlir --summary

echo "== gpt2c compile $model --target x86-avx512 --weights bf16"
"$bin/gpt2c" compile "$model" --target x86-avx512 --weights bf16 "${tokenizer[@]}" \
  -o build/demo/model.gpt2c

echo "== gpt2c-run run build/demo/model.gpt2c --prompt \"$prompt\""
"$bin/gpt2c-run" run build/demo/model.gpt2c --prompt "$prompt" -n 32 --seed 1
