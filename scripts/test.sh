#!/usr/bin/env bash
# Run the whole test suite (slow end-to-end tests included); extra arguments go to pytest.
# One pytest-xdist worker per core, each taking whole files: a file's module fixtures (a private
# dockerd, a trained reference run) are built once, and files share nothing but read-only sources.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python3 -m uv run --locked pytest -n auto --dist loadfile "$@"
