"""The cache layer: the State tasks share during a run, and the per-task cache that keeps it between runs.

`shared.State` is the one mapping of a run, recording each task's reads and writes (`fingerprint`
notices in-place changes); `task_keys` gives a task's cache key and record; `formats` (with
`pickling`) writes a value in a format fit for its type; `task_cache_folder.TaskCacheFolder` is an
experiment's `state/` (records plus values, in a crash-safe write order); `loading` reads a finished
experiment's state back. Imports `ginpipe.config` (values, resolved configs), `ginpipe.files` and
`ginpipe.errors`.
"""
