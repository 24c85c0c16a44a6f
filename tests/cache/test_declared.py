"""`ginpipe.cache.declared`: paths a running task declares it reads, kept relative to the project."""
from ginpipe.cache.declared import declare_input, recording


def test_declared_paths_are_collected_once_each_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    declare_input("outside/a run.csv")  # outside a run: nothing to record it in
    with recording() as outer:
        declare_input("data/train.csv")
        declare_input(tmp_path / "data" / "train.csv")
        with recording() as inner:  # a nested pipeline's task
            declare_input("/elsewhere/x.csv")
        declare_input("data/test.csv")
    assert outer == ["data/train.csv", "data/test.csv"]
    assert inner == ["/elsewhere/x.csv"]
