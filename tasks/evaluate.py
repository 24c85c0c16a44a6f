"""The `evaluate_model` task: the best checkpoint on the test split, metrics, report and plots."""
from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Callable, Mapping, MutableMapping, Sequence

import numpy as np
import pandas as pd
import torch
from loguru import logger

from ginpipe.io import atomic_write, declares_metrics, is_main_process, plain_numbers

# Parameter names under which sklearn metrics take scores rather than predicted labels.
_SCORE_PARAMETERS = {"y_score", "y_prob", "y_proba", "probas_pred"}


@torch.no_grad()
def predict_logits(model: torch.nn.Module, loader, device: str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and targets of every batch of `loader`, on the CPU."""
    model = model.to(device).eval()
    logits, targets = [], []
    for batch in loader:
        logits.append(model(batch["x"].to(device), batch["lengths"].to(device)).float().cpu())
        targets.append(batch["y"])
    return torch.cat(logits), torch.cat(targets)


_CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "auroc_macro", "loss", "size")


def classification_metrics(logits: torch.Tensor, targets: torch.Tensor, classes: Sequence[str],
                           prefix: str = "test_") -> tuple[dict, pd.DataFrame]:
    """torchmetrics' accuracy, macro F1, AUROC, per-class precision/recall/F1 and confusion matrix.

    Returns:
        (metrics dict, JSON-ready; per-class report DataFrame).
    """
    import torchmetrics.functional.classification as M

    from .inference import probabilities as softmax

    n = len(classes)
    probabilities = softmax(logits)
    per_class = {name: getattr(M, f"multiclass_{name}")(probabilities, targets, num_classes=n, average="none")
                 for name in ("precision", "recall", "f1_score")}
    confusion = M.multiclass_confusion_matrix(probabilities, targets, num_classes=n)
    present = torch.bincount(targets, minlength=n) > 0
    auroc = M.multiclass_auroc(probabilities, targets, num_classes=n, average="none")
    report = pd.DataFrame({
        "class": list(classes),
        "precision": per_class["precision"].numpy(),
        "recall": per_class["recall"].numpy(),
        "f1": per_class["f1_score"].numpy(),
        "auroc": np.where(present.numpy(), auroc.numpy(), np.nan),
        "support": confusion.sum(dim=1).numpy(),
    })
    metrics = {
        f"{prefix}accuracy": M.multiclass_accuracy(probabilities, targets, num_classes=n, average="micro").item(),
        f"{prefix}balanced_accuracy": M.multiclass_accuracy(probabilities, targets, num_classes=n,
                                                            average="macro").item(),
        f"{prefix}f1_macro": M.multiclass_f1_score(probabilities, targets, num_classes=n, average="macro").item(),
        # AUROC is undefined for a class with no test example: average over the classes present.
        f"{prefix}auroc_macro": float(auroc[present].mean()) if present.any() else float("nan"),
        f"{prefix}loss": torch.nn.functional.cross_entropy(logits, targets).item(),
        f"{prefix}size": int(len(targets)),
        "classes": list(classes),
        "per_class": {row["class"]: {k: (None if pd.isna(v) else float(v)) for k, v in row.items() if k != "class"}
                      for row in report.to_dict("records")},
        "confusion_matrix": confusion.tolist(),
    }
    return metrics, report


def _sklearn_metric(fn: Callable, y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray):
    """Call `fn(y_true, y_pred)`, or `fn(y_true, y_score)` when its second parameter takes scores."""
    parameters = list(inspect.signature(fn).parameters)
    second = parameters[1] if len(parameters) > 1 else ""
    value = fn(y_true, y_score if second in _SCORE_PARAMETERS else y_pred)
    return value.tolist() if isinstance(value, np.ndarray) else float(value)


def _function_name(fn: Callable) -> str:
    target = getattr(fn, "func", fn)  # functools.partial: name it after the function it wraps
    return getattr(target, "__name__", type(target).__name__)


def _predictions(metadata, split: str, probs: np.ndarray, targets: torch.Tensor, classes: Sequence[str],
                 top_k: int | None) -> pd.DataFrame | None:
    """The split's clips in the order `get_dataloaders` gave them (metadata order), as `ginpipe predict` writes them."""
    from .predict import prediction_table

    if metadata is None or "path" not in metadata or "split" not in metadata:
        return None
    paths = metadata.loc[metadata["split"].astype(str) == split, "path"].astype(str).tolist()
    if len(paths) != len(probs):  # a loader that is not the metadata's rows of the split
        return None
    return prediction_table(paths, probs, classes, top_k or len(classes), label=[classes[int(t)] for t in targets])


def _evaluate_metrics(split: str = "test", sklearn_metrics: Mapping[str, Callable] | Sequence[Callable] = (),
                      **_: Any) -> list[str]:
    """The numbers metrics.json holds (`classification_metrics`, and each of `sklearn_metrics`)."""
    names = sklearn_metrics.keys() if isinstance(sklearn_metrics, Mapping) else map(_function_name, sklearn_metrics)
    return [f"{split}_{name}" for name in (*_CLASSIFICATION_METRICS, *names)]


@declares_metrics(_evaluate_metrics)
def evaluate_model(state: MutableMapping, sklearn_metrics: Mapping[str, Callable] | Sequence[Callable] = (),
                   split: str = "test", device: str = "auto", plots: bool = True,
                   checkpoint_key: str = "best_checkpoint", dataloaders_key: str = "dataloaders",
                   class_map_key: str = "class_map", log_key: str = "training_log",
                   metadata_key: str = "dataset_metadata", top_k: int | None = None,
                   key_out: str = "metrics") -> MutableMapping:
    """Evaluate the best checkpoint on `split`; write metrics.json, the per-class report and plots.

    Writes, in the experiment folder: `metrics.json`, `per_class_report.csv`, `predictions_<split>.csv`
    (each clip's `top_k` classes and probabilities, as `ginpipe predict` writes them, plus its `label`),
    `plots/training_curves.png` and `plots/confusion_matrix.png`; rank 0 only, other ranks of a
    distributed run skip evaluation. The model bundle the demo loads is `export_model`'s.

    Args:
        state: pipeline state.
        sklearn_metrics: extra metric functions, as a `{name: fn}` dict or a list (named after the
            function), each called `fn(y_true, y_pred)`, or `fn(y_true, y_score)` when the second
            parameter is `y_score`/`y_prob` (e.g. `sklearn.metrics.roc_auc_score`).
        split: the DataLoader to evaluate on.
        device: `'auto'` (CUDA when available), `'cpu'` or `'cuda'`.
        plots: write the PNG plots.
        top_k: classes per clip in `predictions_<split>.csv` (None: every class).
        checkpoint_key, dataloaders_key, class_map_key, log_key: state keys read.
        metadata_key: state key of the metadata, whose `path` column names the clips of the split (the
            predictions file is left out when it has none, e.g. a custom DataLoader).
        key_out: state key of the metrics dict.

    Example (gin):
        evaluate_model.sklearn_metrics = {'mcc': @sklearn.metrics.matthews_corrcoef}
    """
    from .inference import probabilities as softmax
    from .models.checkpoints import load_model_from_checkpoint
    from .plots import plot_confusion_matrix, plot_training_curves

    if not is_main_process():
        logger.info("not rank 0: evaluation is left to rank 0")
        return state
    checkpoint = state[checkpoint_key]
    loaders, class_map = state[dataloaders_key], state[class_map_key]
    if split not in loaders:
        raise KeyError(f"No {split!r} DataLoader to evaluate on; there are {sorted(loaders)}.")
    classes = sorted(class_map, key=class_map.get)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_model_from_checkpoint(checkpoint)
    logits, targets = predict_logits(model, loaders[split], device)
    metrics, report = classification_metrics(logits, targets, classes, prefix=f"{split}_")
    metrics["checkpoint"] = str(checkpoint)

    functions = sklearn_metrics.items() if isinstance(sklearn_metrics, Mapping) else \
        [(_function_name(f), f) for f in sklearn_metrics]
    y_true, y_score = targets.numpy(), softmax(logits).numpy()
    for name, fn in functions:
        metrics[f"{split}_{name}"] = _sklearn_metric(fn, y_true, y_score.argmax(-1), y_score)

    metrics = plain_numbers(metrics)  # torch's float32 values as the decimals they are: 0.1, not 0.10000000149011612
    folder = Path(state["output_dir"])
    folder.mkdir(parents=True, exist_ok=True)
    # Atomic (temporary file in the experiment's .tmp, then rename): a kill never leaves half a file.
    tmp = folder / ".tmp"
    atomic_write(folder / "metrics.json", lambda f: f.write(json.dumps(metrics, indent=2).encode()), tmp)
    atomic_write(folder / "per_class_report.csv", lambda f: report.to_csv(f, index=False), tmp)
    table = _predictions(state.get(metadata_key), split, y_score, targets, classes, top_k)
    if table is not None:
        atomic_write(folder / f"predictions_{split}.csv", lambda f: f.write(table.to_csv(index=False).encode()), tmp)
    if plots:
        plot_confusion_matrix(np.asarray(metrics["confusion_matrix"]), classes,
                              folder / "plots" / "confusion_matrix.png", tmp)
        log = state[log_key] if log_key in state else None
        if log and Path(log).is_file():
            plot_training_curves(log, folder / "plots" / "training_curves.png", tmp)
    headline = {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}
    logger.info(f"{split} metrics: {headline}\n{report.round(3).to_string(index=False)}")
    state[key_out] = metrics
    return state
