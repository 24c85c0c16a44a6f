"""A tracked sweep on a real `mlflow server`, read back through MLflow's Python client: one parent
run, four child runs with their parameters, per-epoch curves, final metrics and artifacts."""
from __future__ import annotations

import json

import pytest

from .conftest import member_run_ids

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tracked_sweep):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracked_sweep.url)


def test_the_sweep_is_a_parent_run_with_its_members_as_children(tracked_sweep, client):
    experiment = client.get_experiment_by_name("audio")  # named after the project
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(runs) == 5 and len(parents) == 1
    parent = parents[0]
    assert parent.info.run_name == "fast" and parent.info.status == "FINISHED"
    assert parent.data.params == {"sweep/Resnet.width": "[4, 8]", "sweep/SEED": "[1, 2]"}
    children = {r.info.run_name: r for r in runs if r is not parent}
    assert sorted(children) == ["fast__width=4__SEED=1", "fast__width=4__SEED=2", "fast__width=8__SEED=1",
                                "fast__width=8__SEED=2"]
    assert all(r.data.tags["mlflow.parentRunId"] == parent.info.run_id for r in children.values())
    assert {name: r.info.run_id for name, r in children.items()} == member_run_ids(tracked_sweep)
    for name, run in children.items():
        width, seed = name.split("__")[1].split("=")[1], name.split("__")[2].split("=")[1]
        params = run.data.params
        # gin bindings by full name, macros substituted (set_seed.seed = %SEED).
        assert params["tasks.models.resnet.Resnet.width"] == width and params["SEED"] == seed
        assert params["tasks.seed.set_seed.seed"] == seed and params["pl.Trainer.max_epochs"] == "2"
        assert run.info.status == "FINISHED" and run.data.tags["ginpipe.status"] == "done"
        # The member's command names its parent: rerun by hand, it stays a child of the sweep's run.
        assert run.data.tags["ginpipe.command"].endswith(f"--track-parent {parent.info.run_id} -q")


def test_children_hold_curves_final_metrics_and_artifacts(tracked_sweep, client):
    for name, run_id in member_run_ids(tracked_sweep).items():
        run = client.get_run(run_id)
        # Per-epoch curves, from Lightning's MLFlowLogger on the same run: one point per epoch.
        curve = client.get_metric_history(run_id, "val_accuracy")
        assert [m.step for m in curve] == [2, 5]  # two epochs of three steps
        # A handful of validation clips: short fractions, without float32 noise (not 0.10000000149011612).
        assert all(len(repr(m.value)) <= 5 for m in curve), [m.value for m in curve]
        assert [m.value for m in client.get_metric_history(run_id, "epoch")][-1] == 1
        # Final metrics: those of metrics.json.
        written = json.loads((tracked_sweep.folder / name / "metrics.json").read_text())
        assert run.data.metrics["test_accuracy"] == pytest.approx(written["test_accuracy"])
        assert run.data.metrics["test_size"] == written["test_size"]
        artifacts = sorted(a.path for a in client.list_artifacts(run_id))
        assert artifacts == ["config.gin", "metrics.json", "model", "plots"]
        model = sorted(a.path for a in client.list_artifacts(run_id, "model"))
        assert {"model/config.gin", "model/weights.pt", "model/summary.json"} <= set(model)
        plots = sorted(a.path for a in client.list_artifacts(run_id, "plots"))
        assert plots == ["plots/confusion_matrix.png", "plots/training_curves.png"]
