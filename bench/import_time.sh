#!/usr/bin/env bash
# Times `gpt2c import` (best of N runs, wall clock and peak RSS) for the synthetic
# GPT-2 sizes and, when present, the mini checkpoint of ../shared.
# Usage: bench/import_time.sh [runs]   (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
gpt2c=build/release/bin/gpt2c
models=(synthetic:tiny synthetic:gpt2 synthetic:gpt2-medium synthetic:gpt2-large synthetic:gpt2-xl)
[[ -d ../shared/models/gpt2-mini-pydocs ]] && models+=(../shared/models/gpt2-mini-pydocs)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-40s %12s %12s\n' model "best (s)" "peak RSS (MiB)"
for model in "${models[@]}"; do
  best=""
  rss=0
  for ((i = 0; i < runs; i++)); do
    read -r seconds kib < <(/usr/bin/time -f '%e %M' "$gpt2c" import "$model" -o "$out/model.mlir" 2>&1 >/dev/null | tail -1)
    if [[ -z "$best" ]] || awk -v a="$seconds" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$seconds; fi
    ((kib > rss)) && rss=$kib
  done
  printf '%-40s %12s %12d\n' "$model" "$best" $((rss / 1024))
done
