"""fit_model's loggers: TensorBoard by default (with the model's hyperparameters), extra Lightning
loggers from the config beside its own CSV log, and numbers written without float32 noise."""
import csv
import json
import re

import pytest

import ginpipe

CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]


@pytest.mark.slow
def test_tensorboard_hparams_and_a_logger_from_the_config(in_repo, tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is not installed (uv sync --group tracking)")
    out = tmp_path / "experiment"
    ginpipe.run(CONFIGS, output_dir=out, mods=[
        "fit_model.loggers = [@pl.loggers.CSVLogger()]", "pl.loggers.CSVLogger.save_dir = %OUTPUT_DIR",
        "pl.loggers.CSVLogger.name = 'extra'"])

    # TensorBoard: the curves and the hyperparameters, readable by `tensorboard --logdir experiments/...`.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    events = EventAccumulator(str(out / "logs" / "tensorboard"))
    events.Reload()
    assert {"train_loss", "val_accuracy", "val_loss"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("val_accuracy")] == [2, 5]  # two epochs of three steps
    hparams = events.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(hparams["_hparams_/session_start_info"])
    logged = {k: v.number_value or v.string_value for k, v in start.session_start_info.hparams.items()}
    assert logged["n_layers"] == 4 and logged["width"] == 8 and logged["num_classes"] == 10

    # The config's logger wrote its own log; fit_model's CSV log is still there.
    extra = list((out / "extra").glob("version_*/metrics.csv"))
    assert len(extra) == 1 and "val_accuracy" in extra[0].read_text().splitlines()[0]
    own = out / "logs" / "training" / "metrics.csv"
    rows = list(csv.DictReader(own.open()))
    assert [r["epoch"] for r in rows if r.get("val_accuracy")] == ["0", "1"]

    # No float32 noise: accuracies of 20 clips are multiples of 0.05, written as such.
    text = own.read_text() + (out / "metrics.json").read_text()
    assert not re.search(r"\d\.\d*0000000\d", text), text
    metrics = json.loads((out / "metrics.json").read_text())
    assert round(metrics["test_accuracy"] * 20, 9) == int(metrics["test_accuracy"] * 20 + 0.5)
    assert len(repr(metrics["test_accuracy"])) <= 5  # 0.05, 0.1, 0.15, ...
