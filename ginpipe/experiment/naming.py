"""Where a run writes: the experiment name, project and folder, and the macros that carry them.

Command-line flags win over the config's own `EXPERIMENT_NAME`/`PROJECT_NAME`/`OUTPUT_DIR` macros,
which win over the defaults (`my_project`, a timestamp, `experiments/<project>/<name>`). Processes
that torch.distributed starts for ranks > 0 inherit rank 0's choice through the environment, so
every rank agrees on one folder even when the name is a timestamp.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..config.text.composition import Composition
from .folder_safety import check_location, check_name
from .ranks import is_main_process

__all__ = ["Naming", "choose_naming"]

DEFAULT_PROJECT = "my_project"


@dataclass(frozen=True)
class Naming:
    experiment: str
    project: str
    output_dir: Path

    def macros(self) -> dict[str, str]:
        return {"EXPERIMENT_NAME": self.experiment, "PROJECT_NAME": self.project,
                "OUTPUT_DIR": str(self.output_dir)}

    def export(self) -> None:
        """Let processes started by this run (DDP ranks) find the same folder."""
        os.environ["GINPIPE_EXPERIMENT_NAME"] = self.experiment
        os.environ["GINPIPE_OUTPUT_DIR"] = str(self.output_dir)


def choose_naming(composition: Composition, experiment_name: str | None = None,
                  project_name: str | None = None, output_dir: str | os.PathLike | None = None) -> Naming:
    macros = composition.macros()

    def literal(name: str) -> str | None:
        binding = macros.get(name)
        return binding.value if binding is not None and isinstance(binding.value, str) else None

    inherited = {} if is_main_process() else {
        "name": os.environ.get("GINPIPE_EXPERIMENT_NAME"), "dir": os.environ.get("GINPIPE_OUTPUT_DIR")}
    name = (experiment_name or inherited.get("name") or literal("EXPERIMENT_NAME")
            or (Path(os.path.abspath(output_dir)).name if output_dir else None)
            or time.strftime("%Y-%m-%d_%H-%M-%S"))
    project = project_name or literal("PROJECT_NAME") or DEFAULT_PROJECT
    check_name("experiment", name, "--experiment-name")
    check_name("project", project, "--project-name")
    folder = (output_dir or inherited.get("dir") or literal("OUTPUT_DIR")
              or Path("experiments") / project / name)
    check_location(Path(folder), "--output-dir" if output_dir else "The experiment folder")
    return Naming(name, project, Path(folder))
