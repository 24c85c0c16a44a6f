"""configs/trainer/ddp.gin with 2 CPU processes (gloo): the run completes and rank 1 writes nothing.

Rank 1 is started by Lightning as a copy of the command. A `sitecustomize` on its PYTHONPATH installs
a Python audit hook in non-zero ranks that records every file opened for writing, renamed, created or
deleted in the experiment folder; the test asserts that list is empty. (Shared caches outside it, the
generated audio and the feature cache, are filled by rank 0 before rank 1 starts.)
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_AUDIT = r'''
import os, sys
if os.environ.get("LOCAL_RANK", "0") not in ("", "0"):
    _root = os.path.realpath(os.environ["AUDIT_ROOT"])
    _log = os.open(os.environ["AUDIT_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(_log, f"audited rank {os.environ['LOCAL_RANK']} pid {os.getpid()}\n".encode())
    _writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def _hook(event, args):
        if event == "open":
            path, mode, flags = args
            writing = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & _writes)
        elif event in ("os.rename", "os.replace", "os.mkdir", "os.remove", "os.rmdir", "shutil.rmtree",
                       "os.link", "os.symlink", "os.truncate"):
            path, writing = args[0], True
        else:
            return
        if writing and isinstance(path, (str, bytes, os.PathLike)):
            real = os.path.realpath(os.fsdecode(path))
            if real.startswith(_root):
                os.write(_log, f"WRITE {event} {real}\n".encode())

    sys.addaudithook(_hook)
'''


@pytest.mark.slow
def test_ddp_on_two_cpu_processes_only_rank_zero_writes(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(_AUDIT)
    work, audit_log = tmp_path / "work", tmp_path / "audit.log"
    out = work / "experiment"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK")}
    env.update(PYTHONPATH=str(hooks), AUDIT_ROOT=str(out), AUDIT_LOG=str(audit_log))
    command = [sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/debug/fast.gin",
               "configs/trainer/ddp.gin", "--output-dir", str(out), "--mods", "DEVICES=2",
               "pl.Trainer.accelerator='cpu'", f"read_synthetic.root='{work / 'data'}'",
               f"extract_features.cache_dir='{work / 'features'}'"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]

    assert "MEMBER: 2/2" in output  # Lightning started a second rank and both joined
    assert "not rank 0: evaluation is left to rank 0" in output
    audit = audit_log.read_text().splitlines()
    assert audit[0].startswith("audited rank 1")
    assert [line for line in audit if line.startswith("WRITE")] == []

    run = json.loads((out / "run.json").read_text())
    assert [t["status"] for t in run["tasks"]] == ["done"] * 9
    assert json.loads((out / "metrics.json").read_text())["test_size"] == 20  # 2 of 6 clips x 10 classes
    assert (out / "checkpoints" / "last.ckpt").is_file()
    assert not [p for p in out.rglob("*.tmp") if p.is_file()]  # atomic writes leave no temporaries
    assert not (REPO / "lightning_logs").exists()
