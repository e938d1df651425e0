#!/usr/bin/env bash
# Runs the whole test suite: unit, snapshot, kernel, end-to-end and differential tests.
# As root (the BPF tests skip themselves otherwise). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if [[ $(id -u) -eq 0 ]] && ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing
fi
# The end-to-end and differential tests run tracers one after another on their own; their test
# binaries never run concurrently with each other (cargo runs test binaries sequentially).
# --no-fail-fast: report every failing test binary, not just the first.
exec cargo test --workspace --no-fail-fast "$@"
