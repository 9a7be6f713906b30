#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need
# (Node.js + the Khronos glTF validator from npm; Xvfb and Mesa's software
# Vulkan driver for the viewer), then runs formatting, lints and every Rust
# test, then the viewer's screenshot test under Xvfb + lavapipe, then builds
# the Python wheel with maturin in a venv kept outside the clone and runs
# the Python tests (Gymnasium, SB3 and PettingZoo checkers included). CI
# (.ci/run) calls exactly this script.
#
# SPRAWL_VENV: the venv for the Python stage (default ~/.cache/sprawl/venv);
# made and filled on first use (stable-baselines3 brings PyTorch, a few GB),
# reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*" >&2; }

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The viewer's screenshot test: a virtual X server and a Vulkan driver that
# needs no GPU (lavapipe).
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)
ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || need_apt+=(mesa-vulkan-drivers)
ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || need_apt+=(libvulkan1)
if ((${#need_apt[@]})); then
    say "installing ${need_apt[*]} (for the glTF validator and the viewer's screenshot test)"
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

say "viewer screenshot under Xvfb + lavapipe (cargo test -p sprawl-viewer --test screenshot)"
# A free display number; Xvfb runs only for this stage.
n=90
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
DISPLAY=":$n" SPRAWL_REQUIRE_SCREENSHOT=1 cargo test -p sprawl-viewer --test screenshot --locked
kill "$xvfb_pid" 2>/dev/null || true
trap - EXIT

say "Python venv (${SPRAWL_VENV:-$HOME/.cache/sprawl/venv})"
venv="${SPRAWL_VENV:-$HOME/.cache/sprawl/venv}"
py_reqs=(
    "maturin>=1.16,<2"
    "numpy>=1.26"
    "gymnasium>=1.4,<2"
    "pettingzoo>=1.27"
    "stable-baselines3>=2.9"
    "pytest>=8"
    "pytest-timeout>=2"
)
stamp="$venv/.sprawl-requirements"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "${py_reqs[*]}" ]; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    # CPU-only PyTorch is a tenth of the CUDA build; use its index when it answers.
    if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
        "$venv/bin/python" -m pip install -q --timeout 20 --retries 1 \
            --index-url https://download.pytorch.org/whl/cpu torch 2>/dev/null \
            || echo "(PyTorch CPU index unreachable; stable-baselines3 takes torch from PyPI)" >&2
    fi
    "$venv/bin/python" -m pip install -q "${py_reqs[@]}"
    printf '%s' "${py_reqs[*]}" >"$stamp"
fi

say "Python wheel (maturin build --release, installed into the venv)"
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
"$venv/bin/maturin" build --release --strip --locked -q \
    -m crates/sprawl-py/Cargo.toml -i "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheels"/sprawl-*.whl

say "Python tests (pytest crates/sprawl-py/tests)"
(cd crates/sprawl-py && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)

say "all tests passed"
