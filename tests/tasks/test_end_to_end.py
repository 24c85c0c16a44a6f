"""The real pipeline through `ginpipe.run`: configs/base.gin + configs/debug/fast.gin."""
import json
from pathlib import Path

import pytest

import ginpipe

CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]


def _statuses(out: Path) -> dict[str, str]:
    run = json.loads((out / "run.json").read_text())
    return {task["label"]: task["status"] for task in run["tasks"]}


@pytest.mark.slow
def test_fast_pipeline_end_to_end_then_cached_then_only_fit_and_evaluate(in_repo, tmp_path):
    mods = [f"read_synthetic.root='{tmp_path / 'data'}'", f"extract_features.cache_dir='{tmp_path / 'features'}'"]
    out = tmp_path / "experiment"

    state = ginpipe.run(CONFIGS, mods=mods, output_dir=out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] == state["metrics"]["test_accuracy"]
    n_test = int((state["dataset_metadata"]["split"] == "test").sum())
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_size"] == n_test == 20
    for produced in ("per_class_report.csv", "plots/confusion_matrix.png", "plots/training_curves.png",
                     "checkpoints/last.ckpt", "logs/training/metrics.csv", "config.gin", "state/index.json"):
        assert (out / produced).is_file(), produced
    assert set(_statuses(out).values()) == {"done"}

    ginpipe.run(CONFIGS, mods=mods, output_dir=out)
    assert set(_statuses(out).values()) == {"cached"}

    ginpipe.run(CONFIGS, mods=[*mods, "Resnet.n_layers=6"], output_dir=out, resume=True)
    ran = sorted(label for label, status in _statuses(out).items() if status == "done")
    assert ran == ["07-fit_model", "08-evaluate_model", "09-export_model"]
    best = json.loads((out / "metrics.json").read_text())["checkpoint"]
    from tasks.models.checkpoints import load_model_from_checkpoint
    assert load_model_from_checkpoint(best).hparams.n_layers == 6
