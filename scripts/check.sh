#!/usr/bin/env bash
# Lint and type-check the runner and the reference project (rules in pyproject.toml): CI runs this
# before the tests, and fails on any finding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
python3 -m uv run --locked ruff check ginpipe tasks
python3 -m uv run --locked mypy ginpipe tasks
