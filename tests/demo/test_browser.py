"""The demo used as a person would: Debian's Chromium, headless, driven by Playwright.

Skipped where Chromium is missing, except in CI (GINPIPE_REQUIRE_BROWSER=1), where `.ci/run`
installs it. Playwright's own browsers are never downloaded.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.browser import chromium

# scripts/demo-screenshot.sh points this at docs/images/demo.png, for a model of the default pipeline.
SCREENSHOT_ENV = "GINPIPE_DEMO_SCREENSHOT"
# A fake microphone (Chromium's test tone) that needs no permission prompt.
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# The download link appears once the audio (uploaded or recorded) is on the server.
UPLOADED = "#audio-input [data-testid='download-link']"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    yield from chromium(FAKE_MICROPHONE)


def _input_note(clip: Path) -> str:
    """How the demo describes a clip: its own length, as clips of the embedded dataset vary."""
    import soundfile as sf

    return f"Input: {sf.info(clip).duration:.2f} s"


def test_upload_classify_and_screenshot(browser, demo_url, trained_experiment, tmp_path):
    classes = (trained_experiment / "model" / "summary.json").read_text()
    clip = sorted((trained_experiment / "model" / "examples").iterdir())[0]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(demo_url)
    page.locator("#audio-input input[type=file]").set_input_files(str(clip))
    page.locator(UPLOADED).wait_for(timeout=60_000)
    page.locator("#classify").click()
    top = page.locator("#prediction [data-testid='label-output-value']")
    top.wait_for(timeout=60_000)
    predicted = top.inner_text().strip()
    assert predicted and f'"{predicted}"' in classes, predicted
    assert _input_note(clip) in page.locator("#notes").inner_text()
    page.locator("#spectrogram img").wait_for(timeout=30_000)
    screenshot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "demo.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Works offline: every request the page made went to the demo itself.
    demo_host = urlparse(demo_url).netloc
    external = [url for url in requested if urlparse(url).scheme in ("http", "https", "ws", "wss")
                and urlparse(url).netloc != demo_host]
    assert not external, external


def test_bad_upload_shows_a_message_then_a_good_one_a_prediction(browser, demo_url, trained_experiment, tmp_path):
    page = browser.new_page()
    page.goto(demo_url)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    page.locator("#audio-input input[type=file]").set_input_files(str(empty))
    page.locator("#classify").click()
    page.get_by_text("Could not classify this input").wait_for(timeout=60_000)
    assert "empty.wav" in page.locator("#notes").inner_text()
    assert not page.locator("#prediction [data-testid='label-output-value']").count()
    # The server still serves: one of the clickable examples, then Classify.
    example = sorted((trained_experiment / "model" / "examples").iterdir())[1]
    page.get_by_text(example.name, exact=True).click()
    # Classify only once the example is the input: clicked sooner, it would classify the empty file.
    page.locator(f"{UPLOADED}[href*='{example.name}']").wait_for(timeout=60_000)
    page.locator("#classify").click()
    page.locator("#prediction [data-testid='label-output-value']").wait_for(timeout=60_000)
    assert _input_note(example) in page.locator("#notes").inner_text()


def test_microphone_recording_is_classified(browser, demo_url, trained_experiment):
    """Record 2.5 s from Chromium's fake microphone (44.1 kHz), as a person would with a real one."""
    page = browser.new_page()
    page.goto(demo_url)
    page.get_by_role("button", name="Record audio").click()
    page.locator("#audio-input button.record-button").click()
    page.wait_for_timeout(2500)
    page.locator("#audio-input button.stop-button").click()
    page.locator(UPLOADED).wait_for(timeout=30_000)
    page.locator("#classify").click()
    page.locator("#prediction [data-testid='label-output-value']").wait_for(timeout=60_000)
    notes = page.locator("#notes").inner_text()
    window = json.loads((trained_experiment / "model" / "summary.json").read_text())["window_seconds"]
    assert "classified as mono at 16000 Hz" in notes and f"windows of {window:g} s" in notes, notes
