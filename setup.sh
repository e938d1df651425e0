#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, builds oxtrace (release) and runs a demo trace
# that ends by itself after one second. Run as root from the repository root.
set -euo pipefail
cd "$(dirname "$0")"

section() { printf '\n==== %s ====\n' "$*"; }

# Debian packages: LLVM 19 (linked statically), libbpf's build needs, bpftrace 0.17 (test reference
# only), a C toolchain for the linker and libbpf-sys, curl for rustup.
PACKAGES=(llvm-19-dev libelf-dev zlib1g-dev pkg-config libzstd-dev libpolly-19-dev bpftrace
          build-essential curl ca-certificates)

section "Debian packages"
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

section "Rust toolchain"
if ! command -v cargo >/dev/null && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi
cargo --version

section "tracefs"
if ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing
fi
echo "mounted at /sys/kernel/tracing"

section "Build (release)"
cargo build --release --bins

section "Demo: openat calls per process for one second"
./target/release/oxtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } interval:s:1 { exit(); }'
