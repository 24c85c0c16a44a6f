"""What must never run code: `$()` arithmetic in configs, and the model bundle and uploads the demo reads.

(Config files themselves are code, like Python files: docs/security.md. These are the inputs that
are documented as safe.) Each attack would create a file named PWNED if it ran.
"""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ginpipe.config.text.expressions import ExpressionError, evaluate
from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests

REPO = Path(__file__).resolve().parents[2]
TOUCH = "__import__('os').system('touch PWNED')"

ATTACKS = [
    # (expression, what the refusal says)
    (TOUCH, f"`{TOUCH}` is not allowed"),
    ("(1).__class__.__base__.__subclasses__()", "is not allowed"),
    ("%N.__class__", "is not allowed"),
    ("__builtins__", "`__builtins__` is not allowed"),
    ("(lambda: 1)()", "is not allowed"),
    ("[x for x in (1, 2)][0]", "is not allowed"),
    ("max(x for x in (1, 2))", "is not allowed"),
    ("(x := 3)", "is not allowed"),
    ("eval('1')", "`eval('1')` is not allowed"),
    ("open('PWNED', 'w')", "is not allowed"),
    ("getattr(1, 'real')", "is not allowed"),
    ("round(1.5, ndigits=1)", "is not allowed"),
    ("max(*(1, 2))", "is not allowed"),
    ("(1, 2)[0]", "is not allowed"),
    ("'ab' * 3", "`'ab'` is not allowed"),
    ("'a' * 10 ** 9", "is not allowed"),
    ("%S * 10 ** 9", "uses macro %S = 'ab', which is not a number"),
    ("1 << 10 ** 10", "is not allowed"),
    ("9 ** 9 ** 9", "exponent 387420489 is too large"),
    ("(9 ** 9999) ** 9999", "the result would have more than 14000 bits"),
    ("10.0 ** 400", "cannot be computed: (34, 'Numerical result out of range')"),
    ("int(10.0 ** 300 * 10.0 ** 300)", "cannot be computed: cannot convert float infinity to integer"),
    ("-" * 100_000 + "1", "is nested too deeply"),
    ("2 ** 9000 * 2 ** 9000", "the result would have more than 14000 bits"),  # gin could not print it
]


@pytest.mark.parametrize("expression, refusal", ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_arithmetic_in_configs_cannot_run_code_or_hang(tmp_path, expression, refusal):
    """In a child process with a time limit: a refusal that took hours would be a denial of service."""
    script = textwrap.dedent(f"""
        from ginpipe.config.text.expressions import ExpressionError, evaluate
        try:
            evaluate({expression!r}, {{"N": 3, "S": "ab"}})
        except ExpressionError as e:
            print(e)
        else:
            print("EVALUATED")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert refusal in done.stdout
    assert not (tmp_path / "PWNED").exists()


def test_the_arithmetic_that_is_allowed_still_computes():
    assert evaluate("max(%D * 4, 2) ** 2 // 3 + round(1.26, 1) - abs(-1) + int(2.9) + float(1) % 2",
                    {"D": 2}) == 64 // 3 + 1.3 - 1 + 2 + 1.0
    assert evaluate("9 ** 3000", {}) == 9 ** 3000  # large, but bounded and printable (2863 digits)
    with pytest.raises(ExpressionError, match="divides by zero"):
        evaluate("%D // 0", {"D": 1})


def test_a_config_whose_arithmetic_tries_to_run_code_is_refused_before_anything_runs(project):
    project.write("c.gin", f"load.n = $({TOUCH})\n")
    done = project.cli("base.gin", "c.gin", "--experiment-name", "attack")
    assert done.returncode == 2 and "is not allowed" in done.stderr
    assert not (project.root / "PWNED").exists() and not project.exp("attack").exists()


MALICIOUS = """
import os, torch

class Payload:
    def __reduce__(self):  # what unpickling this object does: run a shell command
        return (os.system, ("touch PWNED",))

torch.save({"layers.0.weight": Payload()}, "weights.pt")
"""

BUNDLE_CONFIG = """
tasks.bundle.bundle_spec.model = @tasks.models.mlp.MLP()
tasks.bundle.bundle_spec.extractor = @tasks.features.extractors.LogMel()
tasks.bundle.bundle_spec.class_map = {'hum': 0, 'tone': 1}
tasks.bundle.bundle_spec.sample_rate = 16000
tasks.bundle.bundle_spec.window_seconds = 1.0
tasks.models.mlp.MLP.num_classes = 2
tasks.models.mlp.MLP.input_dim = 64
"""


def _malicious_pickle(folder: Path) -> Path:
    """A real attack file: loading it with pickle (torch.load(weights_only=False)) runs `touch PWNED`."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", MALICIOUS], cwd=folder, check=True, timeout=120)
    return folder / "weights.pt"


def test_the_attack_file_is_real(tmp_path):
    """Control: the file below does run code when unpickled, so the refusals after it mean something."""
    attack = _malicious_pickle(tmp_path)
    subprocess.run([sys.executable, "-c", "import torch; torch.load('weights.pt', weights_only=False)"],
                   cwd=tmp_path, capture_output=True, timeout=120)
    assert (tmp_path / "PWNED").exists() and attack.is_file()


@pytest.mark.slow
def test_a_bundle_with_pickled_code_is_refused_without_running_it(tmp_path, monkeypatch):
    from tasks.bundle import load_model_bundle

    model = tmp_path / "experiment" / "model"
    _malicious_pickle(model)
    (model / "config.gin").write_text(BUNDLE_CONFIG)
    monkeypatch.chdir(model)  # where the payload would write PWNED
    with pytest.raises(Exception, match="Weights only load failed"):
        load_model_bundle(model.parent)
    assert not (model / "PWNED").exists()


@pytest.mark.slow
def test_an_upload_holding_pickled_code_is_refused_by_the_demo_without_running_it(tmp_path, monkeypatch):
    import torch

    from demos.inference import AudioInputError, Classifier
    from tasks.bundle import load_model_bundle
    from tasks.models.mlp import MLP

    model = tmp_path / "experiment" / "model"
    model.mkdir(parents=True)
    (model / "config.gin").write_text(BUNDLE_CONFIG)
    torch.save(MLP(num_classes=2, input_dim=64).state_dict(), model / "weights.pt")
    upload = _malicious_pickle(tmp_path / "upload")
    upload = upload.rename(upload.with_name("clip.wav"))  # what a browser would send
    monkeypatch.chdir(upload.parent)
    with pytest.raises(AudioInputError, match="could not be read as audio"):
        Classifier(load_model_bundle(model.parent)).classify(upload)
    assert not (upload.parent / "PWNED").exists()


def test_the_demo_and_the_bundle_reader_never_call_a_pickle_loader():
    """A static guard next to the behavioural ones: none of these appear on the demo's path."""
    sources = [REPO / "tasks" / "bundle.py", *sorted((REPO / "demos").glob("*.py"))]
    assert len(sources) > 2
    for source in sources:
        text = source.read_text()
        for forbidden in ("weights_only=False", "pickle.load", "allow_pickle=True", "load_state(", "joblib"):
            assert forbidden not in text, f"{source.relative_to(REPO)} uses {forbidden}"
        for call in re.findall(r"torch\.load\(([^)]*)\)", text):
            assert "weights_only=True" in call, f"{source.relative_to(REPO)}: torch.load({call})"


SAFE_LINES = BUNDLE_CONFIG.strip().splitlines()


@pytest.mark.parametrize("lines, message", [
    # The model built by a shell command.
    ([SAFE_LINES[0].replace("@tasks.models.mlp.MLP()", "@os.system()"), *SAFE_LINES[1:],
      "os.system.command = 'touch PWNED'"], "neither from this repository's tasks package"),
    # A literal slot filled by a call.
    ([*SAFE_LINES[:2], "tasks.bundle.bundle_spec.class_map = @subprocess.run()",
      "subprocess.run.args = ['touch', 'PWNED']", *SAFE_LINES[3:]], "class_map` must be a literal"),
    # A binding of the model class that calls something.
    ([*SAFE_LINES, "tasks.models.mlp.MLP.dropout = @os.system()"], "must be a literal"),
    # Other files, modules and macros.
    (["include '/etc/ginpipe-evil.gin'", *SAFE_LINES], "does not exist|includes"),
    (["import os", *SAFE_LINES], "holds imports"),
    ([*SAFE_LINES, "EVIL = 'x'"], "is not part of a model bundle"),
    # A class of this repository that is not a model.
    ([SAFE_LINES[0].replace("@tasks.models.mlp.MLP()", "@tasks.features.extractors.LogMel()"),
      *SAFE_LINES[1:5]], "is not a torch.nn.Module class"),
])
def test_a_bundle_config_that_could_run_code_is_refused(tmp_path, monkeypatch, lines, message):
    """gin files call what they name: the bundle reader accepts only a tasks model and extractor."""
    import torch

    from tasks.bundle import BundleError, load_model_bundle
    from tasks.models.mlp import MLP

    model = tmp_path / "experiment" / "model"
    model.mkdir(parents=True)
    (model / "config.gin").write_text("\n".join(lines) + "\n")
    torch.save(MLP(num_classes=2, input_dim=64).state_dict(), model / "weights.pt")
    monkeypatch.chdir(model)
    with pytest.raises(BundleError, match=message):
        load_model_bundle(model.parent)
    assert not (model / "PWNED").exists()


def test_code_that_came_with_a_bundle_is_never_imported(tmp_path, monkeypatch):
    """Project classes are allowed (a model of your own), but not a module inside the experiment folder,
    which the working folder would import as a namespace package."""
    import torch

    from tasks.bundle import BundleError, load_model_bundle
    from tasks.models.mlp import MLP

    model = tmp_path / "experiments" / "audio" / "x" / "model"
    model.mkdir(parents=True)
    (model / "evil.py").write_text("open('PWNED', 'w').close()\nimport torch\nclass Net(torch.nn.Module):\n    pass\n")
    lines = [SAFE_LINES[0].replace("@tasks.models.mlp.MLP()", "@experiments.audio.x.model.evil.Net()"),
             *SAFE_LINES[1:5]]
    (model / "config.gin").write_text("\n".join(lines) + "\n")
    torch.save(MLP(num_classes=2, input_dim=64).state_dict(), model / "weights.pt")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(BundleError, match="neither from this repository's tasks package nor from the project"):
        load_model_bundle(model.parent)
    assert not (tmp_path / "PWNED").exists()
