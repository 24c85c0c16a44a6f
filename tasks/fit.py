"""The `fit_model` task: a Lightning Trainer from gin, checkpoints and logs in the experiment folder."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, MutableMapping, Sequence

from loguru import logger

from ginpipe.io import (code_digest, declares_metrics, in_trial, is_main_process, plain_float, quiet, set_aside,
                        tracking_run, write_text)


CHECKPOINTS = "checkpoints"
_TRAINING_LOGS = "training"  # under <experiment>/logs/
_SIGNATURE = "checkpoints.json"  # beside the folder: Lightning warns about foreign files in it


def _signature(model: Any, class_map: dict, inputs: dict[str, str]) -> dict[str, Any]:
    """What must match for `last.ckpt` to be a crashed run of this very fit (and not another config,
    nor the same config over other features or another version of the model's code).

    `inputs` are the runner's versions of the state keys the fit reads: they change with anything
    upstream (an extractor's code, the data), where the config does not."""
    gin = sys.modules.get("gin")  # the composed config, when run by ginpipe
    config = gin.config_str() if gin is not None else ""
    return {"model_class": f"{type(model).__module__}.{type(model).__qualname__}",
            "model_code": code_digest(model),
            "hparams": {k: repr(v) for k, v in dict(model.hparams).items()},
            "classes": list(class_map),
            "inputs": inputs,
            "config_sha1": hashlib.sha1(config.encode()).hexdigest()}


def _resume_path(folders: Sequence[Path], signature: dict[str, Any], resume: bool) -> str | None:
    """`last.ckpt` when it belongs to this configuration; otherwise set earlier outputs aside.

    `folders[0]` holds the checkpoints; the others (the training logs) are moved with it, so curves
    of two configurations never end up appended in one CSV file.
    """
    last, stored = folders[0] / "last.ckpt", folders[0].parent / _SIGNATURE
    previous = _read_signature(stored)
    if resume and last.is_file() and previous == signature:
        damaged = damaged_checkpoints(folders[0])
        if not damaged:
            logger.info(f"resuming from {last}")
            return str(last)
        # Resuming would restore a best checkpoint that cannot be read back: train again from scratch.
        logger.warning(f"{', '.join(map(str, damaged))} cannot be read (truncated or damaged): training starts"
                       " over, and the earlier checkpoints are set aside")
        previous = {**(previous or {}), "damaged": True}  # another name aside than a clean earlier fit
    if is_main_process():
        old_key = hashlib.sha1(json.dumps(previous, sort_keys=True).encode()).hexdigest()[:8]
        for folder in folders:
            if folder.is_dir() and any(folder.iterdir()):
                # only inside its own experiment folder; recorded, so that `ginpipe gc` may remove it
                aside = set_aside(folder, f"{folder.name}-{old_key}")
                logger.warning(f"outputs of an earlier fit (another configuration) moved to {aside}")
        folders[0].mkdir(parents=True, exist_ok=True)
        write_text(stored, json.dumps(signature, indent=2), folders[0].parent / ".tmp")
    return None


def _versions(state: Any, keys: Sequence[str]) -> dict[str, str]:
    """The runner's provenance of each key (`State.version`); {} for a plain dict's."""
    version = getattr(state, "version", None)
    return {key: version(key) for key in keys} if callable(version) else {}


def damaged_checkpoints(folder: Path) -> list[Path]:
    """The checkpoints in `folder` that are not whole: a torch file is a zip archive whose directory is
    at its end, so a truncated or overwritten one does not open (read without loading the weights)."""
    damaged = []
    for path in sorted(folder.glob("*.ckpt")):
        try:
            with zipfile.ZipFile(path) as archive:
                archive.infolist()
        except (OSError, zipfile.BadZipFile):
            damaged.append(path)
    return damaged


def _read_signature(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):  # none, or one written by an older version mid-kill
        return None


def _loggers(log_dir: Path, training_log, extra: Sequence[Any]) -> list:
    """Our CSV log first (Lightning's `log_dir` is the first logger's), TensorBoard when installed, the
    MLflow run's curves when the experiment is tracked, then the config's own loggers."""
    import lightning.pytorch.loggers as L

    loggers = [training_log]
    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        loggers.append(L.TensorBoardLogger(save_dir=str(log_dir), name="tensorboard", version=""))
    run = tracking_run()
    if run is not None:
        from .training.mlflow_curves import MLflowCurves
        loggers.append(MLflowCurves(run.uri, run.run_id))
    return loggers + list(extra)


def _on_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _fit_metrics(monitor: str = "val_accuracy", **_: Any) -> list[str]:
    """What a trial can be judged by: the monitored metric it reports each epoch (`TrialReport`), or
    `train_loss`, which it monitors instead when there is no validation split. The other curves
    (metrics.csv) are logged, not final metrics of the run."""
    return [monitor, "train_loss"]


@declares_metrics(_fit_metrics)
def fit_model(state: MutableMapping, model: Callable[..., Any] | None = None,
              trainer: Callable[..., Any] | None = None, monitor: str = "val_accuracy",
              mode: str = "max", callbacks: Sequence[Any] = (), loggers: Sequence[Any] = (), resume: bool = True,
              dataloaders_key: str = "dataloaders", class_map_key: str = "class_map",
              features_key: str = "features", seed_key: str = "seed", key_out: str = "best_checkpoint",
              model_key: str = "model", log_key: str = "training_log") -> MutableMapping:
    """Train `model` with a Lightning Trainer; keep the best and last checkpoints.

    Writes `<experiment>/checkpoints/` (best by `monitor`, plus `last.ckpt`) and
    `<experiment>/logs/training/metrics.csv` and TensorBoard logs with the model's hyperparameters
    (`logs/tensorboard/`, when tensorboard is installed), and sends the curves to the experiment's
    MLflow run when it is tracked (`ginpipe --track URI`). When the run is
    repeated with the same configuration (after a crash, say), training resumes from `last.ckpt` and
    the CSV log continues; checkpoints and logs of another configuration (another `n_layers`, say)
    are moved to `checkpoints-<hash>` and `logs/training-<hash>` instead of resumed.

    Args:
        state: pipeline state.
        model: model class, called as `model(num_classes=..., input_dim=...)`; e.g. `@Resnet`.
        trainer: Trainer factory, e.g. `@pl.Trainer` (bind `pl.Trainer.max_epochs` etc. in gin);
            `callbacks`, `logger` and `default_root_dir` are set here.
        monitor: metric that picks the best checkpoint (falls back to `train_loss` without a
            validation split).
        mode: `'max'` or `'min'` for `monitor`.
        callbacks: extra Lightning callbacks, e.g. `[@pl.callbacks.EarlyStopping()]`.
        loggers: extra Lightning loggers, e.g. `[@pl.loggers.CSVLogger()]` with
            `pl.loggers.CSVLogger.save_dir = %OUTPUT_DIR`; the CSV log above is kept.
        resume: resume from a matching `last.ckpt` when one exists.
        dataloaders_key, class_map_key, features_key, seed_key: state keys read.
        key_out: state key of the best checkpoint's path.
        model_key: state key of the trained model (best weights loaded).
        log_key: state key of the CSV training log's path.

    Example (gin):
        fit_model.model = @Resnet
        fit_model.trainer = @pl.Trainer
        pl.Trainer.max_epochs = 20
    """
    import lightning.pytorch as pl
    import pandas as pd
    import torch

    from .models.resnet import Resnet
    from .training.checkpoint_io import use_atomic_checkpoints
    from .training.epoch_lines import EpochLines
    from .training.finite_loss import FiniteLossGuard
    from .training.random_state import RandomStateCheckpoint
    from .training.training_log import TrainingLog, TrainingLogCheckpoint
    from .training.trial_report import TrialReport

    loaders = state[dataloaders_key]
    class_map, features = state[class_map_key], state[features_key]
    if seed_key in state:  # reseed here too, so this task is reproducible even when set_seed is cached
        pl.seed_everything(int(state[seed_key]), workers=True, verbose=False)
    module = (model or Resnet)(num_classes=len(class_map), input_dim=features.feature_dim)
    output_dir = Path(state["output_dir"])
    folder = output_dir / CHECKPOINTS
    validation = loaders.get("validation")
    if validation is None:
        logger.warning(f"no validation split: the best checkpoint is chosen by train_loss, not {monitor}")
        monitor, mode = "train_loss", "min"
    checkpoint = pl.callbacks.ModelCheckpoint(
        dirpath=str(folder), filename="best-{epoch:03d}-{" + monitor + ":.4f}", monitor=monitor,
        mode=mode, save_top_k=1, save_last=True)
    logs = output_dir / "logs"
    resume_from = _resume_path([folder, logs / _TRAINING_LOGS, logs / "tensorboard"],
                               _signature(module, class_map, _versions(state, (dataloaders_key, class_map_key,
                                                                               features_key))), resume)
    csv_log = logs / _TRAINING_LOGS / "metrics.csv"
    training_log = TrainingLog(csv_log)
    if resume_from and csv_log.is_file():  # kept if the checkpoint (an older version's) holds no rows
        training_log.rows = [{k: v for k, v in row.items() if pd.notna(v)}
                             for row in pd.read_csv(csv_log).to_dict("records")]
    # RandomStateCheckpoint and TrainingLogCheckpoint make a resumed run continue the same random
    # sequence and the same log; FiniteLossGuard stops at the first NaN loss instead of training on;
    # in a search trial, TrialReport hands each epoch's monitored value to the study (pruning).
    # With no terminal (a batch job, nohup) a progress bar shows nothing useful: one line per epoch instead.
    trial = [TrialReport(monitor)] if in_trial() else []
    batch_job = not quiet() and not _on_terminal()
    display: dict[str, Any] = ({"enable_progress_bar": False, "enable_model_summary": False} if quiet() else
                               {"enable_progress_bar": False} if batch_job else {})
    fit_trainer = (trainer or pl.Trainer)(
        default_root_dir=str(output_dir), logger=_loggers(logs, training_log, loggers),
        callbacks=[checkpoint, RandomStateCheckpoint(), TrainingLogCheckpoint(training_log), FiniteLossGuard(),
                   *trial, *([EpochLines(monitor, mode)] if batch_job else []), *callbacks],
        **display)
    use_atomic_checkpoints(fit_trainer, tmp_dir=output_dir / ".tmp")
    fit_trainer.fit(module, train_dataloaders=loaders["train"], val_dataloaders=validation,
                    ckpt_path=resume_from)

    best = checkpoint.best_model_path or checkpoint.last_model_path
    if best:
        weights = torch.load(best, map_location="cpu", weights_only=False)["state_dict"]
        module.load_state_dict(weights)
    score = checkpoint.best_model_score
    shown = plain_float(float(score)) if score is not None else None  # 0.1, not 0.10000000149011612
    logger.info(f"best checkpoint: {best} ({monitor} = {shown})")
    state[key_out] = best
    state[model_key] = module.cpu().eval()
    state[log_key] = str(csv_log)
    return state
