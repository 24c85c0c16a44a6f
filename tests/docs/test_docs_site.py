"""The manual's site as a reader uses it: `mkdocs build --strict` of mkdocs.yml into a temporary folder,
served on 127.0.0.1, opened in Debian's Chromium (driven by Playwright, whose own browsers are never
downloaded): a page loads with the manual's navigation, and the search box finds "sweep".

And the strictness CI relies on: a link to a missing anchor or page fails the build.

Skipped where Chromium, Playwright or mkdocs is missing, except in CI (GINPIPE_REQUIRE_BROWSER=1).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.browser import chromium

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner about its successor


def _mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    try:
        import material  # noqa: F401  (the theme mkdocs.yml names)
        import mkdocs  # noqa: F401
    except ImportError:
        if os.environ.get("GINPIPE_REQUIRE_BROWSER") == "1":
            pytest.fail("mkdocs or mkdocs-material is missing: uv sync --group docs")
        pytest.skip("mkdocs or mkdocs-material is missing (uv sync --group docs)")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    built = _mkdocs_build(REPO / "mkdocs.yml", site)
    assert built.returncode == 0, built.stdout[-4000:]
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free one
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.mark.browser
def test_a_page_loads_with_the_manuals_navigation(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "sweeps/")
    assert page.locator("h1").first.inner_text().strip().rstrip("¶") == "Sweeps"  # ¶: its permalink
    nav = page.locator("nav.md-nav--primary").inner_text()
    for title in ("Caching", "Searching", "Coming from GinPipe", "Architecture"):
        assert title in nav, nav
    page.close()


@pytest.mark.browser
def test_the_search_box_finds_sweep(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # a desktop's: the box in the header
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site_url)
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("sweep", delay=20)  # keystrokes, as the search listens to them
    results = page.locator("li.md-search-result__item")
    results.first.wait_for(timeout=30_000)
    assert results.count() > 0
    assert "sweep" in results.first.inner_text().lower()
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any("sweeps/" in (link or "") for link in links), links
    # Works offline (the theme's web fonts are off in mkdocs.yml): every request went to the site.
    assert requested and all(url.startswith(site_url) for url in requested), requested
    page.close()


@pytest.mark.parametrize("link, complaint", [
    ("[x](caching.md#no-such-anchor)", "does not contain an anchor '#no-such-anchor'"),
    ("[x](no-such-page.md)", "the target is not found among documentation files"),
])
def test_a_broken_link_or_anchor_fails_the_strict_build(tmp_path, link, complaint):
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with open(tmp_path / "docs" / "index.md", "a") as index:
        index.write(f"\nA broken link: {link}\n")
    built = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    assert f"Doc file 'index.md' contains a link '{link.split('(')[1][:-1]}', but" in built.stdout
    assert complaint in built.stdout, built.stdout[-2000:]
    assert "Aborted with 1 warnings in strict mode!" in built.stdout


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings (lower case, punctuation dropped, blanks as hyphens),
    code blocks left out (their `# comments` are no headings)."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#{1,6} (.+)$", prose, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_readmes_links_lead_somewhere():
    """README is outside the site mkdocs checks: each of its relative links names a file of the
    repository, and each anchor a heading of the page it points to."""
    readme = (REPO / "README.md").read_text()
    links = re.findall(r"\]\((?!https?://)([^)\s]+)\)", readme)
    assert "docs/sweeps.md" in links and "docs/architecture.md" in links
    for link in links:
        path, _, anchor = link.partition("#")
        target = REPO / path if path else REPO / "README.md"
        assert target.exists(), f"README links to {link}: no such file"
        if anchor:
            assert anchor in _anchors(target.read_text()), f"README links to {link}: no such heading"
