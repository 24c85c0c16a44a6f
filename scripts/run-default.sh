#!/usr/bin/env bash
# Train and evaluate the default pipeline on the embedded (generated) dataset; extra arguments are
# passed to ginpipe, e.g. `bash scripts/run-default.sh --mods "Resnet.n_layers=20"`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python3 -m uv run --locked ginpipe configs/base.gin "$@"
