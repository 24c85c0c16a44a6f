"""A study's finished trials made by code that changed since are never counted silently (issue 22):
extending or resuming the study is refused, naming the trials and what changed, with a command that
starts a fresh study as printed; an unchanged study extends as before."""
from __future__ import annotations

import shlex

import pytest

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

STUDY = "experiments/my_project/s"
ARGS = ["base.gin", "--search", "quadratic.layers=choice(2, 4, 6)", "--sampler", "grid", "--seed", "1",
        "--objective", "loss", "--direction", "min", "--experiment-name", "s", "-q"]


def _trials(project, name="s"):
    storage = f"sqlite:///{project.root / 'experiments/my_project' / name / 'study.db'}"
    return optuna.load_study(study_name=f"my_project/{name}", storage=storage).get_trials()


def test_a_study_extended_after_its_task_code_changed_is_refused_naming_the_trials(project):
    project.cli(*ARGS, "--trials", "2", check=True)
    project.cli(*ARGS, "--trials", "2", check=True)  # unchanged: nothing to refuse, nothing runs
    assert project.calls().count("quadratic") == 2
    steps = project.root / "tasks/steps.py"
    steps.write_text(steps.read_text().replace("(layers - 6) ** 2 / 100", "(layers - 6) ** 2 / 50"))
    db = project.root / STUDY / "study.db"
    before = db.read_bytes()
    done = project.cli(*ARGS, "--trials", "3")
    assert done.returncode == 2, done.stderr
    first, hint = done.stderr.splitlines()
    assert first.startswith("error: Study my_project/s: 2 finished trial(s) were made by code or data that changed"
                            " since: trial-0000, trial-0001 (03-quadratic: inputs changed: "), first
    assert first.endswith("). Their values would still count, and decide the study's best.")
    fresh = hint.split("Start a fresh study of the code as it is now: ", 1)[1].split(" (or undo", 1)[0]
    assert shlex.split(fresh) == ["ginpipe", *ARGS[:-2], "s-2", "-q", "--trials", "3"]
    assert db.read_bytes() == before and project.calls().count("quadratic") == 2
    again = project.cli(*shlex.split(fresh)[1:])  # the printed command works as printed
    assert again.returncode == 0, again.stderr
    assert [t.state.name for t in _trials(project, "s-2")] == ["COMPLETE"] * 3
    assert _trials(project, "s-2")[0].value == pytest.approx(0.09 + 16 / 50)  # the edited code's value


# --- the reference audio project: a helper the model calls, edited between two searches ------------------

AUDIO = ["configs/base.gin", "configs/debug/fast.gin", "--search", "torch.optim.AdamW.lr=choice(0.01, 0.003)",
         "--sampler", "grid", "--trials", "2", "--experiment-name", "lr", "-q"]


@pytest.mark.slow
def test_the_audio_study_rerun_after_a_model_helper_was_edited_is_refused(tmp_path):
    import shutil

    from tests.sweeps.test_audio_sweep import ROOT, ginpipe

    if not (ROOT / "configs" / "debug" / "fast.gin").is_file():
        pytest.skip("the audio project's configs/debug/fast.gin is not there yet")
    shutil.copytree(ROOT / "tasks", tmp_path / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    ginpipe(tmp_path, *AUDIO)
    folder = tmp_path / "experiments/audio/lr"
    runs = {path: path.read_bytes() for path in folder.glob("trial-*/run.json")}
    ginpipe(tmp_path, *AUDIO)  # unchanged: the study is complete, nothing trains again
    assert len(runs) == 2 and {path: path.read_bytes() for path in folder.glob("trial-*/run.json")} == runs
    best = (folder / "study.json").read_bytes()
    masking = tmp_path / "tasks/models/masking.py"  # time_mask: called by the Resnet's blocks, not named by a config
    masking.write_text(masking.read_text().replace("return torch.arange(frames, device=lengths.device)[None, :] <"
                                                   " lengths[:, None]",
                                                   "frame = torch.arange(frames, device=lengths.device)\n"
                                                   "    return frame[None, :] < lengths[:, None]"))
    done = ginpipe(tmp_path, *AUDIO, check=False)
    assert done.returncode == 2, done.stderr[-3000:]
    first, hint = done.stderr.splitlines()[-2:]
    assert first == ("error: Study audio/lr: 2 finished trial(s) were made by code or data that changed since:"
                     " trial-0000, trial-0001 (07-fit_model: inputs changed: tasks/models/masking.py:time_mask"
                     " changed). Their values would still count, and decide the study's best.")
    assert hint == ("Start a fresh study of the code as it is now: ginpipe configs/base.gin configs/debug/fast.gin"
                    " --search \"torch.optim.AdamW.lr=choice(0.01, 0.003)\" --sampler grid --trials 2"
                    " --experiment-name lr-2 -q (or undo the change to extend this study).")
    assert (folder / "study.json").read_bytes() == best  # the stale best is not reported again
    assert not (tmp_path / "experiments/audio/lr-2").exists()
