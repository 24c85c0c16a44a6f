"""The run layer: one experiment, from its options to its final state.

`options.RunOptions` (and the one parser of `ginpipe CONFIG...`); `prepare` composes, validates and
binds the configs; `engine` executes task lists on the shared state with caching (`execute_pipeline`
lives there); `runner` runs an experiment (`run_experiment`): opens its folder and drives the engine; `dry_run`
prints the plan;
`failures` words a failed run. Imports `ginpipe.experiment`, `ginpipe.cache`, `ginpipe.config`,
`ginpipe.files` and `ginpipe.errors`. Importing this package (or `options`) imports nothing heavy.
"""
