"""`ginpipe compare`: only the bindings that differ, the final metrics, sorting, CSV/Markdown, plots."""
import csv
import io
import json

import pytest

from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests


@pytest.fixture
def swept(project):
    project.cli("base.gin", "--sweep", "double.factor=[2,1]", "--sweep", "score.offset=[0.5,0.25]", "-q",
                check=True)
    return project


def test_table_shows_the_differing_bindings_and_the_metrics(swept):
    done = swept.cli("compare", "experiments/my_project/base__factor=2__offset=0.5",
                     "experiments/my_project/base__factor=1__offset=0.25", check=True)
    assert done.stdout.splitlines() == [
        "experiment                   double.factor  score.offset  total  mean   n",
        "base__factor=2__offset=0.5   2              0.5           90.5   9.05   10",
        "base__factor=1__offset=0.25  1              0.25          45.25  4.525  10",
    ]


def test_csv_sorted_by_a_metric(swept):
    done = swept.cli("compare", "experiments/my_project", "--csv", "--sort", "total", check=True)
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows == [
        ["experiment", "double.factor", "score.offset", "total", "mean", "n"],
        ["base__factor=1__offset=0.25", "1", "0.25", "45.25", "4.525", "10"],
        ["base__factor=1__offset=0.5", "1", "0.5", "45.5", "4.55", "10"],
        ["base__factor=2__offset=0.25", "2", "0.25", "90.25", "9.025", "10"],
        ["base__factor=2__offset=0.5", "2", "0.5", "90.5", "9.05", "10"],
    ]
    descending = swept.cli("compare", "experiments/my_project", "--csv", "--sort", "total", "--reverse")
    assert [r[0] for r in csv.reader(io.StringIO(descending.stdout))][1] == "base__factor=2__offset=0.5"


def test_markdown_and_metrics_json_and_unfinished_runs(swept):
    folder = swept.exp("base__factor=1__offset=0.5")
    (folder / "metrics.json").write_text(json.dumps({"val_loss": 0.125, "per_class": {"a": 1}}))
    run = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**run, "status": "failed"}))
    done = swept.cli("compare", "experiments/my_project/base__factor=1__offset=0.5",
                     "experiments/my_project/base__factor=2__offset=0.5", "--markdown", check=True)
    assert done.stdout.splitlines() == [
        "| experiment | status | double.factor | total | mean | n | val_loss |",
        "|---|---|---|---|---|---|---|",
        "| base__factor=1__offset=0.5 | failed | 1 | 45.5 | 4.55 | 10 | 0.125 |",
        "| base__factor=2__offset=0.5 | done | 2 | 90.5 | 9.05 | 10 | — |",
    ]


def test_unknown_sort_metric_lists_the_metrics(swept):
    done = swept.cli("compare", "experiments/my_project", "--sort", "totl")
    assert done.returncode == 2
    assert done.stderr == "error: No experiment has the metric `totl`. Did you mean `total`?\nMetrics: mean, n, total\n"


def test_no_experiment_is_an_error(project):
    done = project.cli("compare", "base.gin")
    assert done.returncode == 2
    assert done.stderr.startswith("error: No experiment folder (with a config.gin) among: base.gin.")


def test_plot_draws_each_experiments_curve(swept):
    for factor, name in ((1, "base__factor=1__offset=0.5"), (2, "base__factor=2__offset=0.5")):
        log = swept.exp(name) / "logs" / "training" / "metrics.csv"
        log.parent.mkdir(parents=True)
        # Lightning's CSVLogger: one row per logging call, empty cells for metrics not logged then
        log.write_text("epoch,step,train_loss,val_loss\n"
                       + "".join(f"{e},{e * 10},{1 / (e + 1)},\n{e},{e * 10},,{factor / (e + 1)}\n" for e in range(4)))
    done = swept.cli("compare", "experiments/my_project/base__factor=1__offset=0.5",
                     "experiments/my_project/base__factor=2__offset=0.5", "--plot", "val_loss", check=True)
    png = swept.root / "compare-val_loss.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert done.stderr.strip() == "Wrote compare-val_loss.png"
    from matplotlib.image import imread
    assert imread(png).shape[:2] == (480, 840)
    missing = swept.cli("compare", "experiments/my_project", "--plot", "val_los")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: No metrics.csv of these experiments has a `val_los` column. Did you mean `val_loss`?")


def test_compare_imports_neither_torch_nor_pandas(swept):
    import subprocess
    import sys
    code = ("import sys; from ginpipe.cli import main; main(['compare', 'experiments/my_project']);"
            " print([m for m in ('torch', 'pandas', 'matplotlib') if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=swept.root, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
