"""Debian's Chromium (/usr/bin/chromium), headless, driven by Playwright: the browser tests' browser.

Playwright's own browsers are never downloaded (no `playwright install`). Where Chromium or Playwright
is missing the test is skipped, saying what to install, except where GINPIPE_REQUIRE_BROWSER=1 (CI,
whose `.ci/run` installs Chromium): there a missing browser fails the test, so that a skip cannot hide
a browser test that never ran.

    @pytest.fixture(scope="module")
    def browser():
        yield from chromium()
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import pytest

__all__ = ["CHROMIUM", "FLAGS", "chromium"]

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach Google's services on a closed network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def _missing(what: str, install: str) -> None:
    if os.environ.get("GINPIPE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is missing: {install}")
    pytest.skip(f"{what} is missing ({install})")


def chromium(extra_flags: Iterable[str] = ()) -> Iterator:
    """Yield a headless Chromium (a Playwright `Browser`) launched with `FLAGS` and `extra_flags`;
    close it afterwards. For a fixture to `yield from`."""
    if not os.path.exists(CHROMIUM):
        _missing(CHROMIUM, "apt-get install chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright", "uv sync --group dev")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*FLAGS, *extra_flags])
        yield browser
        browser.close()
