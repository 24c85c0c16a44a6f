import functools
import json
from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import sklearn.metrics
import torch
from torch.utils.data import DataLoader

from ginpipe import TaskError

from tasks.training_data.loaders import get_dataloaders
from tasks.evaluate import classification_metrics, evaluate_model
from tasks.fit import fit_model
from tasks.models.checkpoints import load_model_from_checkpoint
from tasks.models.resnet import Resnet


def _trainer(max_epochs: int):
    return functools.partial(pl.Trainer, max_epochs=max_epochs, accelerator="cpu", devices=1,
                             limit_train_batches=3, limit_val_batches=2, enable_progress_bar=False,
                             enable_model_summary=False, log_every_n_steps=1)


@pytest.fixture
def loaded_state(featurised_state):
    loaders = {name: functools.partial(DataLoader, batch_size=8, shuffle=name == "train")
               for name in ("train", "validation", "test")}
    return get_dataloaders(featurised_state, loaders=loaders, train_crop_seconds=0.4)


def _epochs_logged(state) -> list[int]:
    return sorted(pd.read_csv(state["training_log"])["epoch"].dropna().astype(int).unique().tolist())


def test_fit_writes_best_and_last_checkpoints_and_csv_log(loaded_state):
    fit_model(loaded_state, model=functools.partial(Resnet, n_layers=4, width=8), trainer=_trainer(2))
    folder = Path(loaded_state["output_dir"]) / "checkpoints"
    best = Path(loaded_state["best_checkpoint"])
    assert best.parent == folder and best.name.startswith("best-epoch=") and "val_accuracy=" in best.name
    assert (folder / "last.ckpt").is_file()
    assert _epochs_logged(loaded_state) == [0, 1]
    model = loaded_state["model"]
    assert isinstance(model, Resnet) and model.hparams.num_classes == 10 and model.hparams.input_dim == 64
    reloaded = load_model_from_checkpoint(str(best))
    assert type(reloaded) is Resnet and reloaded.hparams.n_layers == 4
    for a, b in zip(reloaded.state_dict().values(), model.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_rerun_resumes_from_last_checkpoint(loaded_state):
    model = functools.partial(Resnet, n_layers=4, width=8)
    fit_model(loaded_state, model=model, trainer=_trainer(2))
    fit_model(loaded_state, model=model, trainer=_trainer(3))  # as after a crash at epoch 2 of 3
    assert _epochs_logged(loaded_state) == [0, 1, 2]  # continued, not restarted
    last = torch.load(Path(loaded_state["output_dir"]) / "checkpoints" / "last.ckpt", weights_only=False)
    assert last["epoch"] == 3


def test_another_configuration_starts_afresh_and_keeps_old_outputs(loaded_state):
    fit_model(loaded_state, model=functools.partial(Resnet, n_layers=4, width=8), trainer=_trainer(1))
    fit_model(loaded_state, model=functools.partial(Resnet, n_layers=6, width=8), trainer=_trainer(1))
    out = Path(loaded_state["output_dir"])
    assert _epochs_logged(loaded_state) == [0]
    assert load_model_from_checkpoint(str(out / "checkpoints" / "last.ckpt")).hparams.n_layers == 6
    [aside] = [p for p in out.iterdir() if p.name.startswith("checkpoints-")]
    assert load_model_from_checkpoint(str(aside / "last.ckpt")).hparams.n_layers == 4
    assert [p.name for p in (out / "logs").iterdir() if p.name.startswith("training-")]
    # Recorded as set aside by ginpipe: what `ginpipe gc` may remove (it never goes by the names).
    from ginpipe.experiment.set_aside import recorded_set_aside
    key = aside.name.split("-", 1)[1]
    moved = [f"logs/{p.name}" for p in (out / "logs").iterdir() if p.name.endswith(f"-{key}")]  # training, tensorboard
    assert f"logs/training-{key}" in moved
    assert sorted(p.relative_to(out).as_posix() for p in recorded_set_aside(out)) == sorted([aside.name, *moved])


def test_evaluate_writes_metrics_report_and_plots(loaded_state):
    fit_model(loaded_state, model=functools.partial(Resnet, n_layers=4, width=8), trainer=_trainer(2))
    roc = functools.partial(sklearn.metrics.roc_auc_score, multi_class="ovr")
    evaluate_model(loaded_state, sklearn_metrics=[sklearn.metrics.balanced_accuracy_score, roc])
    out = Path(loaded_state["output_dir"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics == loaded_state["metrics"]
    n_test = int((loaded_state["dataset_metadata"]["split"] == "test").sum())
    assert metrics["test_size"] == n_test and sum(map(sum, metrics["confusion_matrix"])) == n_test
    assert set(metrics["per_class"]["bell"]) == {"precision", "recall", "f1", "auroc", "support"}
    # torchmetrics and sklearn agree on what both compute.
    assert metrics["test_balanced_accuracy_score"] == pytest.approx(metrics["test_balanced_accuracy"], abs=1e-5)
    assert metrics["test_roc_auc_score"] == pytest.approx(metrics["test_auroc_macro"], abs=1e-4)
    report = pd.read_csv(out / "per_class_report.csv")
    assert report["class"].tolist() == sorted(loaded_state["class_map"]) and report["support"].sum() == n_test
    for plot in ("confusion_matrix.png", "training_curves.png"):
        assert (out / "plots" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_classification_metrics_on_known_predictions():
    logits = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    targets = torch.tensor([0, 1, 2, 2])
    metrics, report = classification_metrics(logits, targets, ["a", "b", "c"])
    assert metrics["test_accuracy"] == pytest.approx(0.75)
    assert metrics["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert report.set_index("class").loc["b", "precision"] == pytest.approx(0.5)
    assert report.set_index("class").loc["c", "recall"] == pytest.approx(0.5)


def test_non_zero_ranks_do_not_evaluate_or_write(loaded_state, monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")
    evaluate_model(loaded_state)  # would fail without a checkpoint, if it tried
    assert "metrics" not in loaded_state
    assert not (Path(loaded_state["output_dir"]) / "metrics.json").exists()


def test_a_damaged_checkpoint_is_named_and_the_printed_fix_trains_again(loaded_state):
    # issue 27, class 11: a truncated checkpoint is named, and rerunning the fit (the hint's --from
    # fit_model) starts over instead of resuming into the same damaged best checkpoint
    model = functools.partial(Resnet, n_layers=4, width=8)
    fit_model(loaded_state, model=model, trainer=_trainer(1))
    best = Path(loaded_state["best_checkpoint"])
    whole = best.read_bytes()
    best.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(TaskError) as raised:  # what evaluate_model and export_model call
        load_model_from_checkpoint(str(best))
    assert raised.value.message.startswith(f"The checkpoint {best} cannot be read: ")
    assert raised.value.message.endswith(" (the file is truncated or damaged).")
    assert raised.value.hint == ("Train again from scratch: rerun the experiment's command with --from fit_model (a"
                                 " fit whose checkpoints are damaged starts over and sets them aside).")
    fit_model(loaded_state, model=model, trainer=_trainer(1))
    assert _epochs_logged(loaded_state) == [0]  # started over, not resumed past the damaged state
    assert type(load_model_from_checkpoint(loaded_state["best_checkpoint"])) is Resnet
    out = Path(loaded_state["output_dir"])
    [aside] = [p for p in out.iterdir() if p.name.startswith("checkpoints-")]
    assert (aside / best.name).read_bytes() == whole[: len(whole) // 2]  # set aside, not deleted
