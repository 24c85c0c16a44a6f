"""The signature cache of installed libraries: used while valid, never once the library or file changed.

The library is a real package installed in a temporary folder (a `.dist-info` beside it, as pip and
uv write them), upgraded and edited by the tests.
"""
import importlib
import os
import shutil
import sys

import pytest

from ginpipe.config.registry.lookup import Lookup
from ginpipe.config.registry.library_signatures import SignatureCache

BODY = "def make(a, {second}=1):\n    return a\n"


def install(site, version: str, second: str, keep_mtime_of=None):
    package = site / "tinylib"
    package.mkdir(exist_ok=True)
    source = package / "__init__.py"
    before = source.stat() if source.exists() else None
    source.write_text(BODY.format(second=second))
    if keep_mtime_of is not None:  # an upgrade that leaves size and time as they were: only the version tells
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    for old in site.glob("tinylib-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"tinylib-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: tinylib\nVersion: {version}\n")
    (info / "top_level.txt").write_text("tinylib\n")
    (info / "RECORD").write_text("tinylib/__init__.py,,\n")
    sys.modules.pop("tinylib", None)
    importlib.invalidate_caches()


@pytest.fixture
def site(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    # The tests edit the library within the second, at its old size (or keep its time): Python would
    # import the first version's bytecode, whatever the signature cache says.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    work = tmp_path / "work"  # the project folder: the library is not under it
    work.mkdir()
    monkeypatch.chdir(work)
    yield folder
    sys.modules.pop("tinylib", None)


def parameters(cache_folder):
    """(parameters of tinylib.make, whether answering imported tinylib)."""
    sys.modules.pop("tinylib", None)
    signature = Lookup(cache=SignatureCache(cache_folder)).object("tinylib.make", None, "tinylib.make")
    return signature.parameters, "tinylib" in sys.modules


def test_a_valid_record_answers_without_importing(site, tmp_path):
    install(site, "1.0", "b")
    assert parameters(tmp_path / "cache") == (("a", "b"), True)  # first time: imported, then cached
    assert parameters(tmp_path / "cache") == (("a", "b"), False)
    assert len(list((tmp_path / "cache").glob("object-*.json"))) == 1


def test_an_upgrade_makes_the_record_stale_even_with_the_same_file_times(site, tmp_path):
    install(site, "1.0", "b")
    parameters(tmp_path / "cache")
    install(site, "1.1", "c", keep_mtime_of=True)  # same size, same mtime: only the version differs
    assert parameters(tmp_path / "cache") == (("a", "c"), True)
    assert parameters(tmp_path / "cache") == (("a", "c"), False)  # rewritten for 1.1


def test_an_edited_file_makes_the_record_stale(site, tmp_path):
    install(site, "1.0", "b")
    parameters(tmp_path / "cache")
    source = site / "tinylib" / "__init__.py"
    stat = source.stat()
    source.write_text(BODY.format(second="d"))  # same version, same size: a local edit
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert parameters(tmp_path / "cache") == (("a", "d"), True)


def test_a_module_no_distribution_installed_is_never_cached(tmp_path, monkeypatch):
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "loosemod.py").write_text("def f(x, y=2):\n    return x\n")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    try:
        signature = Lookup(cache=SignatureCache(tmp_path / "cache")).object("loosemod.f", None, "loosemod.f")
        assert signature.parameters == ("x", "y")
        assert not (tmp_path / "cache").exists()
    finally:
        sys.modules.pop("loosemod", None)


def test_a_corrupt_record_is_ignored(site, tmp_path):
    install(site, "1.0", "b")
    parameters(tmp_path / "cache")
    for record in (tmp_path / "cache").glob("*.json"):
        record.write_text("{not json")
    assert parameters(tmp_path / "cache") == (("a", "b"), True)
