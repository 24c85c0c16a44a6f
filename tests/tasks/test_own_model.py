"""The manual's "Writing your own model" (docs/extending.md), as printed: a project folder with its own model class, trained
by the real command on the reference pipeline (configs/debug/fast.gin), evaluated, exported, then
`ginpipe predict` on it gives the probabilities evaluation computed."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def readme_blocks(section: str) -> dict[str, str]:
    """The fenced blocks of a section of docs/extending.md, by the file their first line names (`# mylab/tiny.py ...`)."""
    text = (REPO / "docs" / "extending.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", body, re.S)
    return {block.split("\n", 1)[0].lstrip("# ").split()[0]: block for block in blocks}


def test_a_model_of_your_own_trains_evaluates_exports_and_predicts(tmp_path):
    blocks = readme_blocks("Writing your own model")
    assert set(blocks) == {"mylab/tiny.py", "tiny.gin"}
    (tmp_path / "mylab").mkdir()
    (tmp_path / "mylab" / "__init__.py").write_text("")
    (tmp_path / "mylab" / "tiny.py").write_text(blocks["mylab/tiny.py"])
    (tmp_path / "tiny.gin").write_text(blocks["tiny.gin"])

    def ginpipe(*args):
        return subprocess.run([sys.executable, "-m", "ginpipe.cli", *map(str, args)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=900)

    trained = ginpipe(REPO / "configs/base.gin", REPO / "configs/debug/fast.gin", "tiny.gin",
                      "--experiment-name", "tiny", "-q")
    assert trained.returncode == 0, trained.stderr
    experiment = tmp_path / "experiments" / "audio" / "tiny"
    config = (experiment / "model" / "config.gin").read_text()
    assert "tasks.bundle.bundle_spec.model = @mylab.tiny.TinyConv()" in config
    assert "mylab.tiny.TinyConv.channels = 8" in config

    evaluation = pd.read_csv(experiment / "predictions_test.csv")
    clips = evaluation["path"].iloc[:3].tolist()
    done = ginpipe("predict", experiment, *clips, "--top-k", "10", "--output", "predictions.csv")
    assert done.returncode == 0, done.stderr
    predicted = pd.read_csv(tmp_path / "predictions.csv")
    assert predicted["path"].tolist() == clips
    for rank in range(1, 11):
        assert predicted[f"class_{rank}"].tolist() == evaluation[f"class_{rank}"].iloc[:3].tolist()
        np.testing.assert_allclose(predicted[f"probability_{rank}"], evaluation[f"probability_{rank}"].iloc[:3],
                                   atol=2e-6)
