"""The model bundle: `model/` in an experiment folder, all a program needs to use the trained model.

    model/config.gin     the model and its feature extractor as gin bindings (full dotted names),
                         the class map, the sample rate and the window length the model was trained on
    model/weights.pt     the model's `state_dict`: tensors only, read with `torch.load(weights_only=True)`
    model/summary.json   the experiment's name, test metrics and key bindings, for display
    model/bundle.json    the project code that uses the bundle, by entry point (`module:function`):
                         `predict` is what `ginpipe predict` imports and calls (see tasks/predict.py)
    model/examples/      a few test clips (one per class, up to a handful), as the demo's examples

Loading it runs no pipeline and unpickles nothing, so an experiment folder copied to another
machine (with this repository's code) can be demoed. The `export_model` task (tasks/export.py) writes it.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch

from ginpipe.io import check_removable

CONFIG, WEIGHTS, SUMMARY, EXAMPLES, ENTRY = "config.gin", "weights.pt", "summary.json", "examples", "bundle.json"
_SPEC = "tasks.bundle.bundle_spec"
# Like a model hub's loader names: `ginpipe predict` reads these instead of importing this project.
ENTRY_POINTS = {"format": 1, "load": "tasks.bundle:load_model_bundle", "predict": "tasks.predict:predict_files"}


class BundleError(ValueError):
    """A `model/` folder that is missing, incomplete or does not match its code."""


def bundle_spec(model: torch.nn.Module, extractor: Any, class_map: Mapping[str, int], sample_rate: int,
                window_seconds: float) -> dict[str, Any]:
    """What `model/config.gin` binds: gin builds the model and extractor, this returns them."""
    return {"model": model, "extractor": extractor, "class_map": dict(class_map),
            "sample_rate": int(sample_rate), "window_seconds": float(window_seconds)}


@dataclass
class ModelBundle:
    """A trained model, ready for inference, with what it needs to turn audio into its input."""

    model: torch.nn.Module  # in eval mode, on the CPU
    extractor: Any  # callable (1, T) waveform at `sample_rate` -> (feature_dim, frames)
    classes: list[str]  # class names, in the order of the model's outputs
    sample_rate: int
    window_seconds: float  # clip length the model was trained and evaluated on
    summary: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def examples(self) -> list[Path]:
        folder = None if self.folder is None else self.folder / EXAMPLES
        return sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []

    def predict(self, inputs, batch_size: int = 64, device: str = "auto", max_seconds: float | None = None,
                progress: bool = False):
        """Class probabilities of audio files, folders and manifests: what `ginpipe predict` writes.

        Returns a `tasks.predict.Predictions` (`.paths`, `.probabilities`, `.skipped`, `.table(top_k)`);
        every clip goes through `tasks.inference`, the demo's and evaluation's code path.

        Example:
            >>> load_model_bundle("experiments/audio/resnet").predict(["new_clips/"]).table(3)  # doctest: +SKIP
        """
        from .predict import predict_paths

        return predict_paths(self, [inputs] if isinstance(inputs, (str, os.PathLike)) else inputs,
                             batch_size=batch_size, device=device, max_seconds=max_seconds, progress=progress)


def write_model_bundle(folder: str | os.PathLike, model: torch.nn.Module, extractor: Any,
                       class_map: Mapping[str, int], window_seconds: float,
                       summary: Mapping[str, Any] | None = None,
                       examples: Mapping[str, str | os.PathLike] | None = None) -> Path:
    """Write the bundle to `folder` (normally `<experiment>/model`), replacing any earlier one whole.

    `examples` maps a file name in `examples/` to the audio file copied there.

    The files are written into a temporary folder in `<experiment>/.tmp` (which the runner empties
    when it opens the experiment), then swapped in with renames: a reader, or a run killed midway,
    sees the old bundle, no bundle, or the new one, never a partial one.
    """
    folder = Path(folder)
    config = bundle_config(model, extractor, class_map, window_seconds)
    staging = folder.parent / ".tmp" / f"{folder.name}-new-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        (staging / CONFIG).write_text(config)
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, staging / WEIGHTS)
        (staging / SUMMARY).write_text(json.dumps(dict(summary or {}), indent=2, default=str) + "\n")
        (staging / ENTRY).write_text(json.dumps(ENTRY_POINTS, indent=2) + "\n")
        if examples:
            (staging / EXAMPLES).mkdir()
            for name, source in examples.items():
                shutil.copyfile(source, staging / EXAMPLES / name)
                _fsync(staging / EXAMPLES / name)
            _fsync(staging / EXAMPLES)
        for path in staging.iterdir():
            _fsync(path)
        _fsync(staging)
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def constructor_bindings(model: torch.nn.Module, extractor: Any) -> dict[str, Any]:
    """`{"module.Class.argument": value}` for every constructor argument of the model and extractor.

    The model's come from its Lightning `hparams` (every `__init__` argument but the optimiser and
    the like, which inference does not need); the extractor's from its `settings()`, less what is
    no constructor argument (a checkpoint's digest keys the feature store, it builds nothing).
    """
    model_class, extractor_class = _class_path(type(model)), _class_path(type(extractor))
    arguments = inspect.signature(type(extractor)).parameters
    settings = {k: v for k, v in extractor.settings().items() if k in arguments}
    hparams: Mapping[str, Any] = model.hparams  # type: ignore[assignment]  # a LightningModule's
    return {**{f"{model_class}.{k}": v for k, v in hparams.items()},
            **{f"{extractor_class}.{k}": v for k, v in settings.items()}}


def bundle_config(model: torch.nn.Module, extractor: Any, class_map: Mapping[str, int],
                  window_seconds: float) -> str:
    """The text of `model/config.gin`."""
    ordered = dict(sorted(class_map.items(), key=lambda item: item[1]))
    lines = ["# Model bundle written by export_model: everything needed to rebuild the trained model.",
             "# Read by tasks.bundle.load_model_bundle (and the demo); weights are in weights.pt.", "",
             f"{_SPEC}.model = @{_class_path(type(model))}()",
             f"{_SPEC}.extractor = @{_class_path(type(extractor))}()",
             f"{_SPEC}.class_map = {_literal(ordered, 'class_map')}",
             f"{_SPEC}.sample_rate = {int(extractor.sample_rate)}",
             f"{_SPEC}.window_seconds = {float(window_seconds)!r}", ""]
    lines += [f"{selector} = {_literal(value, selector)}"
              for selector, value in constructor_bindings(model, extractor).items()]
    return "\n".join(lines) + "\n"


def short_bindings(bindings: Mapping[str, Any]) -> dict[str, Any]:
    """`Class.argument` keys instead of full dotted paths, for display."""
    return {".".join(selector.split(".")[-2:]): value for selector, value in bindings.items()}


def load_model_bundle(folder: str | os.PathLike) -> ModelBundle:
    """Rebuild the model of a `model/` folder (or of the experiment folder holding it).

    Binds `model/config.gin` with ginpipe's reader (this clears gin's current config) and loads the
    weights with `weights_only=True`: no pickle from the bundle is ever executed. A gin file can call
    anything it names, so the config is first checked to name only a model class (a torch module)
    and a feature extractor class of this repository's `tasks` package or of the project in the
    working folder (a model of your own, see docs/extending.md, "Writing your own model"), and to bind only literals.

    Raises:
        BundleError: the folder holds no complete bundle, or the weights do not fit the model.

    Example:
        >>> bundle = load_model_bundle("experiments/audio/resnet")  # doctest: +SKIP
        >>> bundle.classes[:2]  # doctest: +SKIP
        ['chirp_down', 'chirp_up']
    """
    import gin

    import ginpipe

    folder = Path(folder)
    if not (folder / WEIGHTS).is_file() and folder.name != "model":
        folder = folder / "model"  # an experiment folder
    missing = [name for name in (CONFIG, WEIGHTS) if not (folder / name).is_file()]
    if missing:
        problem = "does not exist" if not folder.is_dir() else f"lacks {' and '.join(missing)}"
        raise BundleError(f"No model bundle: {folder} {problem}. export_model writes it; point at an "
                          "experiment folder (experiments/<project>/<name>) whose export_model has run.")
    _check_config(folder / CONFIG)
    gin.clear_config()
    try:
        ginpipe.bind_configs(folder / CONFIG)
        spec = gin.get_configurable(_SPEC)()
    finally:
        gin.clear_config()
    model = spec["model"]
    weights = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        raise BundleError(f"{folder / WEIGHTS} does not fit the model of {folder / CONFIG}: {error}") from None
    summary_path = folder / SUMMARY
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    classes = sorted(spec["class_map"], key=spec["class_map"].get)
    return ModelBundle(model=model.eval(), extractor=spec["extractor"], classes=classes,
                       sample_rate=spec["sample_rate"], window_seconds=spec["window_seconds"],
                       summary=summary, folder=folder)


def _check_config(path: Path) -> None:
    """Refuse a bundle config that could do more than build a model and an extractor of `tasks`.

    A bundle may come from someone else: its gin file must not call `@os.system()` or any other
    configurable, include other files or import modules.
    """
    from ginpipe import ConfigError
    from ginpipe.io import MacroRef, Ref, read_config, walk

    try:
        composition = read_config(path)
    except ConfigError as error:
        raise BundleError(f"{path} is not a valid bundle config: {error}") from None
    extras = [what for what, present in (("includes", len(composition.files) > 1),
                                         ("imports", composition.aliases or composition.packages),
                                         ("$() expressions", composition.expressions),
                                         ("initial state", composition.initial_state),
                                         ("sweeps", composition.sweeps),
                                         ("blocks", composition.blocks)) if present]
    if extras:
        raise BundleError(f"{path} holds {', '.join(extras)}: a model bundle only binds literals.")
    made = {b.arg: b.value for b in composition.bindings if b.selector == _SPEC}
    classes = {}
    for role, base in (("model", torch.nn.Module), ("extractor", None)):
        reference = made.get(role)
        if not (isinstance(reference, Ref) and reference.evaluate and "/" not in reference.name):
            raise BundleError(f"{path}: `{_SPEC}.{role}` must be `@<class>()`, not {reference!r}.")
        classes[reference.name] = _bundle_class(path, reference.name, role, base)
    for b in composition.bindings:
        where = f"{b.where.file}:{b.where.line}"
        if b.scope or b.is_macro or b.selector not in {_SPEC, *classes}:
            raise BundleError(f"{where}: `{b.macro_name if b.is_macro else b.selector}` is not part of a "
                              "model bundle (only the model, the extractor and tasks.bundle.bundle_spec).")
        if b.arg not in ("model", "extractor") or b.selector != _SPEC:
            if any(isinstance(leaf, (Ref, MacroRef)) for leaf in walk(b.value)):
                raise BundleError(f"{where}: `{b.selector}.{b.arg}` must be a literal, not {b.value!r}.")


def _bundle_class(path: Path, name: str, role: str, base: type | None) -> type:
    """The class `name` names, which must be defined in `tasks` or the project's own source (and subclass `base`)."""
    from ginpipe.io import is_project_module

    module_name, _, attribute = name.rpartition(".")
    # Never a module inside the experiment folder: code that came with the bundle is not imported.
    if not is_project_module(module_name, excluding=path.parent.parent, packages=("tasks",)):
        raise BundleError(f"{path}: the {role} class `{name}` is neither from this repository's tasks package"
                          " nor from the project in the working folder; run from the project that trained it.")
    try:
        cls = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise BundleError(f"{path}: the {role} class `{name}` cannot be found ({error}).") from None
    if not isinstance(cls, type) or (base is not None and not issubclass(cls, base)) or (
            role == "extractor" and not callable(getattr(cls, "settings", None))):
        kind = "a torch.nn.Module class" if role == "model" else "a feature extractor class (with settings())"
        raise BundleError(f"{path}: `{name}` is not {kind}.")
    return cls


def _class_path(cls: type) -> str:
    # gin's subclasses of the classes it configures keep the original's module and name, so this
    # names the user's class either way.
    return f"{cls.__module__}.{cls.__qualname__}"


def _literal(value: Any, name: str) -> str:
    """`value` as gin text; only Python literals round-trip, so anything else is refused by name."""
    text = repr(value)
    try:
        if ast.literal_eval(text) == value:
            return text
    except (ValueError, SyntaxError):
        pass
    raise BundleError(f"Cannot write `{name}` = {text} into the model bundle: only numbers, strings, "
                      "booleans, None and lists/tuples/dicts of them can be rebuilt from a gin file.")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename `staging` to `folder`; an existing `folder` is moved aside first, then deleted."""
    old = None
    if folder.exists():
        check_removable(folder)  # a bundle replaces only one that a run wrote in its experiment
        old = staging.with_name(f"{folder.name}-old-{uuid.uuid4().hex[:8]}")
        folder.rename(old)
    staging.rename(folder)
    _fsync(folder.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
