"""Every shipped config composes, resolves every name it uses, and binds, with the real runner."""
from pathlib import Path

import gin
import pytest

from ginpipe.runs.options import RunOptions
from ginpipe.runs.prepare import prepare

REPO = Path(__file__).resolve().parents[2]

# The pipeline's stage groups (configs/launcher/ holds the runner's sweep launchers, tested in tests/sweeps).
STAGES = ("datasets", "features", "models", "trainer", "debug")
CONFIGS = ["configs/base.gin"] + sorted(p.relative_to(REPO).as_posix() for stage in STAGES
                                        for p in (REPO / "configs" / stage).glob("*.gin"))


def test_every_stage_has_configs():
    assert {"configs/base.gin", "configs/debug/fast.gin", "configs/trainer/ddp.gin",
            "configs/models/resnet.gin", "configs/features/logmel.gin",
            "configs/datasets/speech_commands.gin"} <= set(CONFIGS)


@pytest.mark.parametrize("config", CONFIGS)
def test_config_parses_on_top_of_base(config, in_repo, tmp_path):
    files = ["configs/base.gin"] + ([] if config == "configs/base.gin" else [config])
    prepared = prepare(RunOptions(files, output_dir=tmp_path / "exp"))
    names = [getattr(t, "__name__", "") for t in prepared.tasks]
    assert names == ["set_seed", "load_dataset", "split_dataset", "make_labels", "extract_features",
                     "get_dataloaders", "fit_model", "evaluate_model", "export_model"]


def test_group_files_change_what_they_say(in_repo, tmp_path):
    prepare(RunOptions(["configs/base.gin", "configs/models/cnn1d.gin"], output_dir=tmp_path / "a"))
    assert gin.query_parameter("extract_features.on_the_fly") is True
    assert gin.query_parameter("fit_model.model").selector.endswith("CNN1D")
    gin.clear_config()
    prepare(RunOptions(["configs/base.gin", "configs/models/resnet.gin"], mods=["Resnet.n_layers=20"],
                       output_dir=tmp_path / "b"))
    assert gin.query_parameter("Resnet.n_layers") == 20
    assert gin.query_parameter("pl.Trainer.accelerator") == "auto"
