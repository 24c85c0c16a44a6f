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


def test_plot_draws_each_experiments_curve_per_epoch_and_names_those_left_out(swept):
    for factor, name in ((1, "base__factor=1__offset=0.5"), (2, "base__factor=2__offset=0.5")):
        log = swept.exp(name) / "logs" / "training" / "metrics.csv"
        log.parent.mkdir(parents=True)
        # Lightning's CSVLogger: one row per logging call, empty cells for metrics not logged then
        log.write_text("epoch,step,train_loss,val_loss\n"
                       + "".join(f"{e},{e * 10},{1 / (e + 1)},\n{e},{e * 10},,{factor / (e + 1)}\n" for e in range(4)))
        # An earlier configuration's log, set aside by a changed fit: not this experiment's curve.
        aside = swept.exp(name) / "logs" / "training-0123abcd" / "metrics.csv"
        aside.parent.mkdir(parents=True)
        aside.write_text("epoch,step,val_loss\n0,100,9.0\n")
    (swept.exp("base__factor=2__offset=0.25") / "logs" / "training").mkdir(parents=True)
    (swept.exp("base__factor=2__offset=0.25") / "logs" / "training" / "metrics.csv").write_text("epoch,step,train_loss\n0,1,0.5\n")
    done = swept.cli("compare", "experiments/my_project", "--plot", "val_loss", check=True)
    png = swept.root / "compare-val_loss.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert done.stderr.splitlines() == [
        "note: left out of the plot: base__factor=1__offset=0.25 (no metrics.csv)",
        "note: left out of the plot: base__factor=2__offset=0.25 (no `val_loss` column)",
        "Wrote compare-val_loss.png",
    ]
    from matplotlib.image import imread
    image = imread(png)
    assert image.shape[:2] == (480, 1080)
    # The legend is outside the axes, in the figure's right third (which holds nothing else).
    assert (image[:, int(0.70 * 1080):, :3] < 0.5).any()

    from ginpipe.tools.compare_plot import read_curve
    curve = read_curve(swept.exp("base__factor=2__offset=0.5"), "val_loss")
    assert curve.x == "epoch" and curve.points == [(0.0, 2.0), (1.0, 1.0), (2.0, 2 / 3), (3.0, 0.5)]
    assert read_curve(swept.exp("base__factor=2__offset=0.5"), "train_loss").x == "epoch"
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


def test_group_by_folds_the_runs_that_differ_only_in_that_binding(swept):
    done = swept.cli("compare", "experiments/my_project", "--group-by", "offset", check=True)
    assert done.stdout.splitlines() == [
        "double.factor  count  total         mean           n",
        "1              2      45.38 ± 0.18  4.537 ± 0.018  10 ± 0",
        "2              2      90.38 ± 0.18  9.038 ± 0.018  10 ± 0",
    ]
    rows = list(csv.reader(io.StringIO(swept.cli("compare", "experiments/my_project", "--group-by",
                                                  "score.offset", "--csv", "--sort", "total", "--reverse",
                                                  check=True).stdout)))
    assert rows[0] == ["double.factor", "count", "total_mean", "total_std", "mean_mean", "mean_std", "n_mean", "n_std"]
    assert rows[1:] == [["2", "2", "90.375", "0.176776695296637", "9.0375", "0.0176776695296639", "10", "0"],
                        ["1", "2", "45.375", "0.176776695296637", "4.5375", "0.0176776695296633", "10", "0"]]
    # Grouping by both bindings leaves one group of all four, and an unfinished run is left out, named.
    folder = swept.exp("base__factor=1__offset=0.5")
    run = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**run, "status": "failed"}))
    both = swept.cli("compare", "experiments/my_project", "--group-by", "offset", "--group-by", "factor", check=True)
    assert both.stdout.splitlines() == ["count  total    mean       n", "3      75 ± 26  7.5 ± 2.6  10 ± 0"]
    assert both.stderr == "note: experiments/my_project/base__factor=1__offset=0.5 is left out of the groups: it is failed.\n"


def test_group_by_an_unknown_binding_suggests_one(swept):
    done = swept.cli("compare", "experiments/my_project", "--group-by", "ofset")
    assert done.returncode == 2
    assert done.stderr == ("error: --group-by ofset: no experiment binds it. Did you mean `score.offset`?\n"
                           "Bindings of these experiments: double.factor, execute_pipeline.tasks, load.n,"
                           " score.offset, set_seed.seed\n")


def test_numbers_have_no_float32_noise(swept):
    folder = swept.exp("base__factor=1__offset=0.5")
    # What torch's float32 accuracy of 0.1 became once widened by `.item()`, in an older metrics.json.
    (folder / "metrics.json").write_text(json.dumps({"val_accuracy": 0.10000000149011612, "val_loss": 9.05}))
    rows = list(csv.reader(io.StringIO(swept.cli("compare", str(folder), "--csv", check=True).stdout)))
    assert rows[1][-2:] == ["0.1", "9.05"]
    text = swept.cli("compare", str(folder), check=True).stdout
    assert "0.1 " in text + " " and "0.10000000149011612" not in text
