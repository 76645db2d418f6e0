#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, over the bundle that
# scripts/gpu/bundle.sh prepared in .device/: validation and benchmarks of the
# sm_90 artifacts, logs and JSON under $OUT (the device tool brings them back).
#
#   scripts/gpu/device.sh smoke      one model end to end, quickly
#   scripts/gpu/device.sh validate   golden checks, perplexity, transformers, memcheck
#   scripts/gpu/device.sh bench      gpt2c and transformers timings, HBM and tensor-core limits
#   scripts/gpu/device.sh kernels    kernels one by one against NumPy (short and long prompts)
#   scripts/gpu/device.sh profile    time per launch of prefill and decode (plan_profile.py)
set -uo pipefail
cd "$(dirname "$0")/../.."
mode="${1:-smoke}"
out="${OUT:-/tmp/gpt2c-out}"
mkdir -p "$out"
bundle="$PWD/.device"
run="$bundle/bin/gpt2c-run"
export GPT2C_SHARED_DIR=/tmp/gpt2c-shared GPT2C_GPU_ARTIFACTS="$bundle/art" PYTHONUNBUFFERED=1
mkdir -p "$GPT2C_SHARED_DIR"
cp -r "$bundle/shared/." "$GPT2C_SHARED_DIR/"
if [ -f "$bundle/mini.pack" ] && [ ! -d "$GPT2C_SHARED_DIR/models/gpt2-mini-pydocs" ]; then
  python3 scripts/gpu/pack_files.py unpack "$bundle/mini.pack" \
    "$GPT2C_SHARED_DIR/models/gpt2-mini-pydocs"
fi
hf=bench/gpu/hf_reference.py
step() { echo "=== $* ($(date +%T))"; }
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee "$out/gpu.txt"

case "$mode" in
smoke)
  step "tiny f32 logits"
  "$run" logits "$bundle/art/tiny-f32.gpt2c" --ids 464,2068,7586 -o "$out/tiny.f32" &&
    python3 "$hf" compare --config tiny --seed 1 --logits "$out/tiny.f32" --ids 464,2068,7586
  step "device tests (synthetic)"
  "$bundle/bin/gpu_device_tests" --gtest_filter='*Tiny*:*Small*:*Gpt2*' 2>&1 | tail -40
  step "generate"
  "$run" run "$bundle/art/gpt2-bf16.gpt2c" --tokenizer "$GPT2C_SHARED_DIR/tokenizer" \
    --prompt "The GPU says" -n 16 --temperature 0 2>&1 | tail -3
  for art in gpt2-bf16 gpt2-f32; do
    step "bench $art"
    "$run" bench "$bundle/art/$art.gpt2c" --prompt-tokens 1024 --decode-tokens 0 --runs 3 2>&1 | tail -4
    "$run" bench "$bundle/art/$art.gpt2c" --prompt-tokens 16 --decode-tokens 128 --runs 3 2>&1 | tail -4
  done
  ;;
validate)
  step "device tests"
  "$bundle/bin/gpu_device_tests" --gtest_filter='-*Mini*' --gtest_output="json:$out/device_tests.json" 2>&1 |
    tee "$out/device_tests.log" | grep -E '^\[ +(OK|FAILED|RUN|PASSED) |Failure|error|expected' | head -80
  step "compute-sanitizer memcheck, tiny"
  compute-sanitizer --tool memcheck --error-exitcode 3 "$run" logits "$bundle/art/tiny-f32.gpt2c" \
    --ids 464,2068,7586,318,257,1332 -o /tmp/memcheck.f32 > "$out/memcheck.log" 2>&1
  echo "memcheck exit $? (0: clean)"; tail -3 "$out/memcheck.log"
  ids=464,2068,7586,21831,18045,625,262,16931,3290,13,383,2068,7586,21831
  for config in gpt2 gpt2-xl; do
    name=$([ "$config" = gpt2 ] && echo gpt2 || echo xl)
    cases="$out/cases-$name.json"
    echo "[" > "$cases"
    for art in f32 bf16 f16; do
      file="$out/$name-$art.f32"
      "$run" logits "$bundle/art/$name-$art.gpt2c" --ids "$ids" --all-positions -o "$file" 2>&1 | tail -1
      [ "$art" = f32 ] || echo "," >> "$cases"
      echo "{\"ids\": [$ids], \"logits\": \"$file\", \"all_positions\": true, \"name\": \"$name-$art\"}" >> "$cases"
    done
    echo "]" >> "$cases"
    step "transformers comparison $config"
    python3 "$hf" compare --config "$config" --seed 1 --cases "$cases" --json "$out/compare-$name.json" 2>&1 | tail -8
  done
  if [ -d "$GPT2C_SHARED_DIR/models/gpt2-mini-pydocs" ]; then
    step "mini perplexity"
    "$bundle/bin/gpu_device_tests" --gtest_filter='*Mini*' 2>&1 | grep -E '^\[ +(OK|FAILED) |perplexity|Failure' | head -20
  fi
  ;;
bench)
  for art in gpt2-bf16 gpt2-f16 large-bf16 xl-bf16 xl-f16; do
    step "gpt2c bench $art"
    "$run" bench "$bundle/art/$art.gpt2c" --prompt-tokens 1024 --decode-tokens 0 --runs 5 \
      --json > "$out/prefill-$art.json" && tail -c 400 "$out/prefill-$art.json"
    "$run" bench "$bundle/art/$art.gpt2c" --prompt-tokens 16 --decode-tokens 256 --runs 5 \
      --json > "$out/decode-$art.json" && tail -c 400 "$out/decode-$art.json"
  done
  step "limits"
  timeout 120 python3 "$hf" limits --json "$out/limits.json" 2>&1 | tail -12
  for config in gpt2 gpt2-large gpt2-xl; do
    step "transformers baselines $config"
    flags=$([ "$config" = gpt2-large ] && echo --no-compile || true)
    timeout 150 python3 "$hf" baselines --config "$config" $flags --json "$out/hf-$config.json" 2>&1 | tail -10
  done
  ;;
kernels)
  step "decode and prefill kernels, tiny float32"
  python3 bench/gpu/kernel_check.py "$bundle/art/tiny-f32.gpt2c"
  for art in gpt2-bf16 mini-bf16; do
    [ -d "$bundle/art/$art.gpt2c" ] || continue
    step "tensor-core products and flash attention, $art"
    python3 bench/gpu/kernel_check_tc.py "$bundle/art/$art.gpt2c" 14 65 200 1024
  done
  ;;
profile)
  # Nsight Systems is not installed there: plan_profile.py times each launch of
  # the plan with CUDA events instead (decode launches from Python are
  # launch-rate bound; the prefill figures are the kernels').
  for art in ${PROFILE_ARTIFACTS:-gpt2-bf16 xl-bf16}; do
    [ -d "$bundle/art/$art.gpt2c" ] || continue
    step "profile $art"
    python3 bench/gpu/plan_profile.py "$bundle/art/$art.gpt2c" --prompt 1024 --reps 5
    python3 bench/gpu/plan_profile.py "$bundle/art/$art.gpt2c" --past 16
  done
  ;;
*) echo "device.sh: unknown mode '$mode' (smoke, validate, bench, kernels, profile)" >&2; exit 2 ;;
esac
