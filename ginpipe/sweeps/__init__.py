"""The sweeps layer: many experiments from one command.

`plan` turns `--sweep` flags and `!sweep:` blocks into members (each a `RunOptions`); `execute`
runs them through a launcher, skipping finished ones; `gate.StartGate` holds parallel members back
until the tasks they share exist; `launchers` start members as local processes or submitit jobs,
whose `resources` come from a gin file. Imports `ginpipe.runs` and the layers below it.
"""
