"""The tracking layer: experiments and sweeps as MLflow runs, when tracking is on (`--track URI`, or
a config's `TRACKING_URI = '...'`); off by default, and mlflow is imported only then.

`settings` says whether tracking is on and bounds MLflow's network calls; `connection` opens the
client and the project's MLflow experiment; `experiment_tracker.ExperimentTracker` is one experiment's
run (parameters, tags, final metrics, artifacts; reused by a resumed or cached rerun);
`sweep_tracker.SweepTracker` is a sweep's parent run; `active` holds the run tasks log to (read through
`ginpipe.io.tracking_run`); `params` turns a resolved config into MLflow parameters; `curve_backfill` reads the
experiment's
`metrics.csv` logs for a run whose fit came from the cache. A tracking
failure warns and never fails the experiment. Imports `ginpipe.experiment`, `ginpipe.config`,
`ginpipe.files`.
"""
