"""The manual's "Writing your own extractor" (docs/extending.md), as printed: its module and gin file in a copy of the reference
project, its command run for real (with configs/debug/fast.gin), and the model bundle rebuilding it."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _readme_files() -> dict[str, str]:
    """`{path: text}` of the code blocks in the manual's section, each named by its first line's comment."""
    readme = (REPO / "docs" / "extending.md").read_text()
    section = readme[readme.index("## Writing your own extractor"):]
    end = re.search(r"\n##+ ", section[1:])  # the next heading (a code block's comment has one `#`)
    section = section[:end.start() + 1] if end else section
    blocks = re.findall(r"```(?:python)?\n(.*?)```", section, flags=re.S)
    return {block.splitlines()[0].lstrip("# ").strip(): block for block in blocks if block.startswith("# ")}


def _mirror(source: Path, target: Path, depth: int = 2) -> None:
    """`target` as a folder of links to `source`'s entries, sub-folders mirrored too (files can be added)."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_dir() and depth > 1 and entry.name != "__pycache__":
            _mirror(entry, target / entry.name, depth - 1)
        elif entry.name != "__pycache__":
            (target / entry.name).symlink_to(entry)


@pytest.mark.slow
def test_the_readme_extractor_runs_through_the_pipeline_and_the_bundle(tmp_path):
    files = _readme_files()
    assert sorted(files) == ["configs/features/band_energy.gin", "tasks/features/band_energy.py"]
    project = tmp_path / "project"
    for name in ("tasks", "configs"):
        _mirror(REPO / name, project / name)
    for path, text in files.items():
        (project / path).write_text(text)

    command = [sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/features/band_energy.gin",
               "configs/debug/fast.gin", "-q", "--output-dir", "experiment"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    bundle_config = (project / "experiment" / "model" / "config.gin").read_text()
    assert "tasks.features.band_energy.BandEnergy.bands = 16" in bundle_config

    check = ("from tasks.bundle import load_model_bundle; import torch;"
             "b = load_model_bundle('experiment/model'); e = b.extractor;"
             "print(type(e).__name__, e.bands, tuple(e(torch.zeros(1, 16000)).shape))")
    loaded = subprocess.run([sys.executable, "-c", check], cwd=project, capture_output=True, text=True)
    assert loaded.stdout.strip() == "BandEnergy 16 (16, 101)", loaded.stderr[-3000:]
