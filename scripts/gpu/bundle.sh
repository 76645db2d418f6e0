#!/usr/bin/env bash
# Prepares what the GPU machine needs in .device/ (ignored by git; the device
# tool carries it): the runtime and the device test binary (no MLIR, LLVM or
# Halide), sm_90 artifacts whose weights are generated or read there
# (--external-weights), and the reference data of ../shared the checks read.
#
#   scripts/gpu/bundle.sh [--mini] [--build-dir DIR]
#
# --mini also packs the mini model (about 50 MB; see pack_files.py) for the
# perplexity check: its artifacts read the checkpoint from /tmp/gpt2c-shared,
# the directory device.sh unpacks it into.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/release
mini=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mini) mini=1 ;;
    --build-dir) build="$2"; shift ;;
    *) echo "bundle.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
shared_source=../shared
device_shared=/tmp/gpt2c-shared # the same absolute path on both machines
bundle=.device

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/art" "$bundle/shared/golden" "$bundle/shared/data" \
  "$bundle/shared/tokenizer"
cmake --build "$build" --target gpt2c gpt2c-run gpu_device_tests
strip -o "$bundle/bin/gpt2c-run" "$build/bin/gpt2c-run"
strip -o "$bundle/bin/gpu_device_tests" "$build/bin/gpu_device_tests"
cp "$shared_source"/golden/*.json "$shared_source"/golden/*.f32 "$bundle/shared/golden/"
cp "$shared_source"/data/pydocs-heldout.txt "$bundle/shared/data/"
cp "$shared_source"/tokenizer/gpt2/vocab.json "$shared_source"/tokenizer/gpt2/merges.txt "$bundle/shared/tokenizer/"

compile() { # MODEL NAME [gpt2c compile options]
  local model="$1" name="$2"
  shift 2
  "$build/bin/gpt2c" compile "$model" --target sm_90 --external-weights "$@" \
    -o "$bundle/art/$name.gpt2c"
}
compile synthetic:tiny:1 tiny-f32
compile synthetic:tiny:1 tiny-bf16 --weights bf16
compile synthetic:gpt2:1 gpt2-f32
compile synthetic:gpt2:1 gpt2-bf16 --weights bf16
compile synthetic:gpt2:1 gpt2-f16 --weights f16
compile synthetic:gpt2-large:1 large-bf16 --weights bf16
compile synthetic:gpt2-large:1 large-f16 --weights f16
compile synthetic:gpt2-xl:1 xl-f32
compile synthetic:gpt2-xl:1 xl-bf16 --weights bf16
compile synthetic:gpt2-xl:1 xl-f16 --weights f16

if [ "$mini" = 1 ]; then
  rm -rf "$device_shared"
  mkdir -p "$device_shared/models"
  cp -r "$shared_source/models/gpt2-mini-pydocs" "$device_shared/models/"
  chmod -R u+w "$device_shared"
  compile "$device_shared/models/gpt2-mini-pydocs" mini-f32
  compile "$device_shared/models/gpt2-mini-pydocs" mini-f16 --weights f16
  compile "$device_shared/models/gpt2-mini-pydocs" mini-bf16 --weights bf16
  python3 scripts/gpu/pack_files.py pack "$device_shared/models/gpt2-mini-pydocs" "$bundle/mini.pack"
fi
du -sh "$bundle"
