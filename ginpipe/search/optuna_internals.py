"""Every use of optuna's private API, in one place: optuna has no public call for what this needs.

optuna's `GridSampler` keeps its grid private too: a failed trial retried must take its grid point
again (else another trial draws it and the grid is never covered), which needs the grid's own lists.
A trial is addressed in its storage by an id (`_trial_id`) that optuna keeps private; ginpipe needs it
to hand a trial to the run that reports its steps (`runs.trial.TrialLink`), to re-read one trial
without reading the whole study, and to set an attribute on a trial another command asked for. ginpipe
reaches these here only, so that an optuna upgrade that moves them breaks one module (the locked
version is in uv.lock), and a test keeps every other module off optuna's private names.
"""
from __future__ import annotations

__all__ = ["trial_id", "reread", "trial_of", "grid_sampler"]


def trial_id(trial) -> int:
    """The storage's id of a `Trial` or `FrozenTrial` (unique in the storage; `number` is per study)."""
    return trial._trial_id


def reread(study, frozen):
    """`frozen` as the storage holds it now (another command may have changed it since it was read)."""
    return study._storage.get_trial(frozen._trial_id)


def trial_of(study, frozen):
    """A live `Trial` for a trial this command did not ask for, to set its attributes."""
    from optuna.trial import Trial

    return Trial(study, frozen._trial_id)


def grid_sampler(search_space: dict, seed: int | None):
    """optuna's `GridSampler` over `search_space`, where a retried trial (queued with its parameters)
    takes its own grid point, and which does not stop the study at the grid's end."""
    from optuna.samplers import GridSampler

    class _Grid(GridSampler):
        def before_trial(self, study, trial) -> None:
            super().before_trial(study, trial)
            fixed = trial.system_attrs.get("fixed_params")
            if fixed and "grid_id" not in trial.system_attrs:  # a failed trial retried: its grid point
                point = tuple(fixed.get(name) for name in self._param_names)
                if point in self._all_grids:  # is taken, so no other trial draws it again
                    study._storage.set_trial_system_attr(trial._trial_id, "search_space", self._search_space)
                    study._storage.set_trial_system_attr(trial._trial_id, "grid_id", self._all_grids.index(point))

        def after_trial(self, study, trial, state, values) -> None:
            pass  # optuna's calls study.stop() at the grid's end, which only works inside optimize()

    return _Grid(search_space, seed=seed)
