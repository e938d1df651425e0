#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, builds oxtrace (release) and runs a demo trace
# that ends by itself after one second. Run as root from the repository root.
set -euo pipefail
cd "$(dirname "$0")"

# shellcheck source=.ci/install-deps.sh
source .ci/install-deps.sh

section "Build (release)"
cargo build --release --bins

section "Demo: openat calls per process for one second"
./target/release/oxtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } interval:s:1 { exit(); }'
