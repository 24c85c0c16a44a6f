"""The tracked sweep in MLflow's own UI, served by the test's `mlflow server`, in Debian's Chromium
(driven by Playwright; its own browsers are never downloaded): the project's experiment is listed,
its runs are there, and the members' `val_accuracy` curves are compared on one page.

`GINPIPE_MLFLOW_SCREENSHOT` names where the comparison's screenshot goes (the manual's is
docs/images/mlflow.png); by default a temporary folder. Skipped without Chromium, except in CI
(GINPIPE_REQUIRE_BROWSER=1).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from tests.support.browser import chromium

from .conftest import member_run_ids

SCREENSHOT_ENV = "GINPIPE_MLFLOW_SCREENSHOT"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_the_ui_lists_the_experiment_and_compares_val_accuracy(browser, tracked_sweep, tmp_path):
    from mlflow.tracking import MlflowClient

    url = tracked_sweep.url
    experiment_id = MlflowClient(tracking_uri=url).get_experiment_by_name("audio").experiment_id
    members = member_run_ids(tracked_sweep)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{url}/#/experiments", timeout=120_000)
    page.get_by_text("Model training", exact=True).first.click(timeout=120_000)  # MLflow 3 opens on GenAI
    page.get_by_role("link", name="audio", exact=True).first.click(timeout=120_000)
    page.get_by_text("fast", exact=True).first.wait_for(timeout=60_000)  # the sweep's parent run
    assert f"/experiments/{experiment_id}" in page.url

    # The members' val_accuracy, side by side: MLflow's metric page for these runs.
    runs = json.dumps(list(members.values()))
    page.goto(f"{url}/#/metric?runs={quote(runs)}&metric={quote(json.dumps('val_accuracy'))}"
              f"&experiments={quote(json.dumps([experiment_id]))}"
              f"&plot_metric_keys={quote(json.dumps(['val_accuracy']))}&x_axis=step", timeout=120_000)
    page.get_by_text(f"Comparing {len(members)} Runs from 1 Experiment").wait_for(timeout=60_000)
    for name in members:
        page.get_by_text(name, exact=True).first.wait_for(timeout=60_000)  # each run's curve is named
    close = page.locator("button[aria-label='Close']")
    if close.count():  # the assistant's side panel: not part of the comparison
        close.first.click()
    page.wait_for_timeout(1500)  # the plot's transition
    screenshot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "mlflow.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Works offline: every request went to the tracking server itself.
    server = urlparse(url).netloc
    external = [u for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")
                and urlparse(u).netloc != server]
    assert not external, external
