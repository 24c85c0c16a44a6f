"""The MLflow client for a tracking URI, and the project's MLflow experiment (created on first use).

A `sqlite:///path/mlflow.db` store keeps its artifacts beside the database
(`path/mlflow-artifacts/`), not in an `mlruns/` of whatever folder the run started in; a server
(`http://...`) stores them where it was told (`--artifacts-destination`).
"""
from __future__ import annotations

from pathlib import Path

from .settings import bound_network_calls

__all__ = ["connect", "project_experiment"]


def connect(uri: str):
    """An `MlflowClient` for `uri` (mlflow imported here only), with bounded network calls."""
    bound_network_calls()
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise RuntimeError("mlflow is not installed (install the dependency group: uv sync --group tracking)") from None
    import logging
    for name in ("mlflow", "alembic"):  # the store's migrations log every step at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri)


def project_experiment(client, project: str, uri: str) -> str:
    """The id of the MLflow experiment named after the project; created (or restored) if needed."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(project)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return found.experiment_id
    try:
        return client.create_experiment(project, artifact_location=_artifact_location(uri, project))
    except MlflowException:  # created meanwhile by a parallel sweep member
        found = client.get_experiment_by_name(project)
        if found is None:
            raise
        return found.experiment_id


def _artifact_location(uri: str, project: str) -> str | None:
    if not uri.startswith("sqlite:///"):
        return None  # a server chooses its own; a file store keeps them in itself
    database = Path(uri[len("sqlite:///"):]).expanduser().resolve()
    return (database.parent / "mlflow-artifacts" / project).as_uri()
