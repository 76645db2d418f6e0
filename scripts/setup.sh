#!/usr/bin/env bash
# Installs every build and test dependency of gpt2c from Debian 12's repositories
# (bookworm and bookworm-security). Idempotent: when everything is present it only
# checks and returns within a second or two. Run as root.
set -euo pipefail

packages=(
  clang-22 lld-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libclang-rt-22-dev            # sanitizers and libFuzzer for clang 22
  libhalide14-0-dev             # x86 kernel generator (links LLVM 14, own process)
  libfmt-dev libgtest-dev nlohmann-json3-dev
  cmake ninja-build python3 git ca-certificates time
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: error: missing packages (${missing[*]}) and not running as root" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
