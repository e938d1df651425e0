#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test oxtrace, and mounts tracefs.
# Idempotent and fast when everything is present. Sourced by setup.sh and .ci/run (so the PATH
# change for a freshly installed Rust reaches them); run as root.

section() { printf '\n==== [%s] %s ====\n' "$(date +%H:%M:%S)" "$*"; }

# LLVM 19 (linked statically), libbpf's build needs (libelf, zlib, zstd), a C toolchain for the
# linker and libbpf-sys, curl for rustup, and Debian's bpftrace 0.17: only the reference the
# differential test and the benchmark compare against. `cpp` is the C preprocessor D's `-C` runs
# (build-essential pulls it in too; named because oxtrace needs it at run time).
# systemtap-sdt-dev has <sys/sdt.h>, which the headers `dtrace -h` writes include (the test
# builds a program with one); it also installs SystemTap's own /usr/bin/dtrace script, which
# a `dtrace` link in /usr/local/sbin (README) comes before in PATH.
OXTRACE_PACKAGES=(llvm-19-dev libelf-dev zlib1g-dev pkg-config libzstd-dev libpolly-19-dev bpftrace
                  build-essential cpp curl ca-certificates systemtap-sdt-dev)

section "Debian packages"
missing=()
for p in "${OXTRACE_PACKAGES[@]}"; do
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
cargo --version; rustc --version

section "tracefs"
if ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing
fi
echo "mounted at /sys/kernel/tracing"
