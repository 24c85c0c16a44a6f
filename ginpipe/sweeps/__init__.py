"""The sweeps layer: many experiments from one command, and the scheduler studies run on too.

`sweep_plan` turns `--sweep` flags and `!sweep:` blocks into members (each a `RunOptions`);
`sweep_jobs` hands the members not finished yet to the `scheduler`, which starts them through a
launcher (`scheduler.Launcher` is the contract), polls, gates and cancels them; `gate.StartGate`
holds parallel members back until the tasks they share exist; `launchers` start members as local
processes, forks or submitit jobs, whose `resources` come from a gin file. Imports `ginpipe.runs`
and the layers below it.
"""
