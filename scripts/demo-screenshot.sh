#!/usr/bin/env bash
# Writes docs/images/demo.png, the manual's screenshot of the demo (docs/demo-and-docker.md), from a model of the default pipeline:
#     bash scripts/demo-screenshot.sh               # trains configs/base.gin as experiments/audio/demo-screenshot
#     bash scripts/demo-screenshot.sh EXPERIMENT    # uses that experiment (trained already) instead
# then runs the demo's browser test on it (Debian's Chromium at /usr/bin/chromium, driven by
# Playwright), which uploads the bundle's first example clip, classifies it and takes the screenshot.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
experiment="${1:-experiments/audio/demo-screenshot}"
if [ $# -eq 0 ]; then
    python3 -m uv run --locked ginpipe configs/base.gin --experiment-name demo-screenshot -q
fi
GINPIPE_DEMO_EXPERIMENT="$experiment" GINPIPE_DEMO_SCREENSHOT=docs/images/demo.png GINPIPE_REQUIRE_BROWSER=1 \
    python3 -m uv run --locked pytest -q -p no:cacheprovider tests/demo/test_browser.py \
    -k test_upload_classify_and_screenshot
echo "wrote docs/images/demo.png from $experiment"
