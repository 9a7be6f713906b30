#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need
# (Node.js + the Khronos glTF validator from npm), then runs formatting,
# lints and every Rust test. CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*" >&2; }

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if ((${#need_apt[@]})); then
    say "installing ${need_apt[*]} (for the glTF validator)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
    fi
fi

say "glTF validator (npm ci in tools/gltf-validator)"
if [ ! -d tools/gltf-validator/node_modules/gltf-validator ]; then
    (cd tools/gltf-validator && npm ci --no-audit --no-fund --loglevel=error)
fi

say "cargo fmt --check"
cargo fmt --all --check

say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test (workspace)"
cargo test --workspace --locked

say "all tests passed"
