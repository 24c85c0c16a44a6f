"""What the tests share: test projects (`projects`, on one task module `steps`), folder snapshots
(`snapshot`), and the fault harness (`kill_tracer`, `forked_runs`, `file_checks`, `run_results`).

Imported as a package (`from tests.support.projects import Project`); pytest's `pythonpath` puts the
repository root on `sys.path`.
"""
