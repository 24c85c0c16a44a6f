"""The experiment layer: the folder a run writes and what it records there.

`folder.Experiment` opens the folder (lock, config check, `--resume`/`--overwrite` rules); `naming`
chooses it; `run_record.RunRecord` writes run.json; `environment` writes environment.json;
`console` sets up logging (console and logs/run.log) and prints errors; `statuses` holds the words
run.json and the engine use (`RunStatus`, `TaskStatus`, `Action`, ...); `folder_status` reads where a
folder stands; `ranks` is the one rule for
which process may write. Imports `ginpipe.config` (composition, for naming), `ginpipe.files` and
`ginpipe.errors`; never `ginpipe.cache`.
"""
