#!/usr/bin/env bash
# Run the whole test suite (slow end-to-end tests included); extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python3 -m uv run --locked pytest "$@"
