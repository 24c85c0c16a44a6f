#!/usr/bin/env bash
# Sourced by the other scripts: makes sure uv is there and the locked environment is installed.
# A fresh machine needs only Python >= 3.11 and pip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "Installing uv (python3 -m pip install uv)..." >&2
    python3 -m pip install --quiet uv
fi
# Use the system's certificate store, so that uv works behind the same TLS proxies as pip does.
export UV_SYSTEM_CERTS=1
python3 -m uv sync --locked --quiet
