"""ginpipe's log lines: written by ginpipe until loguru is imported, through loguru after (`ginpipe.log`).

A run whose tasks all come from the cache imports no loguru; one that runs a task using loguru hands
the console and logs/run.log to it, and both kinds of line look the same and come in order.
"""
import io
import re
import subprocess
import sys

import pytest

from ginpipe import log

CHATTY = '''
from loguru import logger

logger.info("chatty imported")


def chatty(state):
    logger.info("chatty says hi")
    logger.debug("chatty whispers")
    state["chatty"] = True
'''
CONFIG = "execute_pipeline.tasks = [@set_seed, @load, @chatty]\n"
CONSOLE_LINE = re.compile(r"^\d\d:\d\d:\d\d \| (DEBUG|INFO|SUCCESS|WARNING|ERROR) *\| .")
FILE_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| (DEBUG|INFO|SUCCESS|WARNING|ERROR) *\| .")
# Runs the command and prints which of these modules it loaded.
WATCH = ("import sys; from ginpipe.cli import main; code = main(sys.argv[1:]); print('LOADED', sorted(m for m in"
         " ('loguru', 'tasks.chatty', 'tasks.steps') if m in sys.modules))")


@pytest.fixture
def chatty(project):
    project.write("tasks/chatty.py", CHATTY)
    project.write("chatty.gin", CONFIG)
    return project


def _messages(lines: list[str]) -> list[str]:
    return [line.split(" | ", 2)[2] for line in lines]


def test_a_task_logging_with_loguru_shares_the_console_and_the_log_with_ginpipe(chatty):
    done = chatty.cli("chatty.gin", "--experiment-name", "a", check=True)
    console = done.stderr.splitlines()
    assert console and all(CONSOLE_LINE.match(line) for line in console), done.stderr
    messages = _messages(console)
    # Each line once: loguru's own default sink (another format, to stderr) is gone.
    assert messages.count("chatty imported") == 1 and messages.count("chatty says hi") == 1
    assert messages.index("▶ 03-chatty") < messages.index("chatty says hi")
    assert messages[messages.index("chatty says hi") + 1].startswith("✓ 03-chatty in ")
    assert "chatty whispers" not in done.stderr  # a debug line, below the console's level
    logged = (chatty.exp("a") / "logs" / "run.log").read_text().splitlines()
    assert logged and all(FILE_LINE.match(line) for line in logged), logged
    # The file gets the same lines from "Experiment ..." on: ginpipe's first ones written by
    # ginpipe itself, the later ones and the task's by loguru.
    assert _messages(logged) == messages[messages.index(f"Experiment {chatty.exp('a').relative_to(chatty.root)}"):]


def test_a_cached_rerun_imports_neither_loguru_nor_the_tasks(chatty):
    chatty.cli("chatty.gin", "--experiment-name", "a", check=True)
    for name in ("a", "b"):  # its own cache, then a new experiment adopting a's outputs
        done = subprocess.run([sys.executable, "-c", WATCH, "chatty.gin", "--experiment-name", name],
                              cwd=chatty.root, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "LOADED []" in done.stdout
        origin = " (from experiment a)" if name == "b" else ""
        assert _messages(done.stderr.splitlines())[1:] == [
            f"↷ 01-set_seed: cached{origin}", f"↷ 02-load: cached{origin}", f"↷ 03-chatty: cached{origin}",
            "Done: 0 task(s) ran, 3 came from the cache."]
        logged = (chatty.exp(name) / "logs" / "run.log").read_text().splitlines()
        assert all(FILE_LINE.match(line) for line in logged[-5:]) and logged[-1].endswith("3 came from the cache.")
    assert chatty.statuses("b") == {label: "cached from a" for label in ("01-set_seed", "02-load", "03-chatty")}


def test_quiet_hides_the_tasks_loguru_lines_too(chatty):
    done = chatty.cli("chatty.gin", "--experiment-name", "q", "-q", check=True)
    assert done.stderr == ""
    assert "chatty says hi" in (chatty.exp("q") / "logs" / "run.log").read_text()


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"])
@pytest.mark.parametrize("console, colour", [(True, False), (True, True), (False, False)])
def test_a_line_written_directly_is_the_line_loguru_writes(level, console, colour):
    from loguru import logger

    written = io.StringIO()
    sink = log._Sink(written, "DEBUG", console=console)
    sink.colour = colour
    ours = sink.line(level, "a <b>message</b> {with} braces", 0.0)
    theirs = io.StringIO()
    handle = logger.add(theirs, level="DEBUG", colorize=colour,
                        format=log.CONSOLE_FORMAT if console else log.FILE_FORMAT)
    try:
        logger.log(level, "a <b>message</b> {with} braces")
    finally:
        logger.remove(handle)
    digits = re.compile(r"\d")  # the clocks differ; the layout, colours and text must not
    assert digits.sub("0", ours) == digits.sub("0", theirs.getvalue())


def test_through_loguru_a_line_names_the_code_that_logged_it():
    """Called from Python, ginpipe's lines go to loguru's sinks, with the caller's module, function
    and line (loguru's default format shows them), not ginpipe.log's."""
    from loguru import logger

    lines = io.StringIO()
    handle = logger.add(lines, format="{name}:{function}:{line} {level} {message}")
    try:
        log.logger.info("plain {}", 1)
        log.logger.bind(file_only=True).warning("bound")
        log.logger.opt(exception=ValueError("x")).error("with a traceback")
    finally:
        logger.remove(handle)
    here = f"{__name__}:test_through_loguru_a_line_names_the_code_that_logged_it:"
    logged = [line for line in lines.getvalue().splitlines() if re.match(r"\S+:\S+:\d+ [A-Z]+ ", line)]
    assert [line.split(" ", 1)[1] for line in logged] == ["INFO plain 1", "WARNING bound", "ERROR with a traceback"]
    assert all(line.startswith(here) for line in logged), logged


SPEAKER = '''
from loguru import logger


def {name}(state, word="hi"):
    logger.info("{name} says " + word)
    logger.warning("{name} warns " + word)
    state["{name}"] = word
'''
SPEAKERS = "execute_pipeline.tasks = [@set_seed, @first, @second]\nset_seed.seed = 1\n"


@pytest.mark.parametrize("order", ["run run", "cached run", "run cached", "cached cached"])
def test_the_console_is_handed_to_loguru_in_every_order_of_cached_and_run_tasks(project, order):
    """Two tasks that log through loguru, each cached or run: whichever comes first, their lines are in
    ginpipe's format, obey -q and reach logs/run.log (looking loguru up for a cache key is no import)."""
    for name in ("first", "second"):
        project.write(f"tasks/{name}.py", SPEAKER.replace("{name}", name))
    project.write("speakers.gin", SPEAKERS)
    project.cli("speakers.gin", "--experiment-name", "e", "-q", check=True)
    runs = [task for task, how in zip(("first", "second"), order.split()) if how == "run"]
    mods = [f"{task}.word='again'" for task in runs]
    done = project.cli("speakers.gin", "--experiment-name", "e", "-q", "--resume", *(["--mods", *mods] if mods else []),
                       check=True)
    assert project.statuses("e") == {"01-set_seed": "cached", "02-first": order.split()[0].replace("run", "done"),
                                     "03-second": order.split()[1].replace("run", "done")}
    warnings = [f"{task} warns again" for task in runs]
    assert [line.split(" | ", 2) for line in done.stderr.splitlines()] == [
        [line.split(" | ")[0], "WARNING", w] for line, w in zip(done.stderr.splitlines(), warnings)], done.stderr
    assert all(CONSOLE_LINE.match(line) for line in done.stderr.splitlines()), done.stderr
    logged = (project.exp("e") / "logs" / "run.log").read_text().splitlines()
    rerun = logged[max(i for i, line in enumerate(logged) if " | Experiment " in line):]
    assert all(FILE_LINE.match(line) for line in rerun), rerun
    said = [message for message in _messages(rerun) if " says " in message or " warns " in message]
    assert said == [m for task in runs for m in (f"{task} says again", f"{task} warns again")]


LIBRARY_IMPORTS_LOGURU = '''
import sys
from ginpipe import log
log.own_console(sys.stderr, "INFO")
log.logger.info("written directly")
print("loaded before:", "loguru" in sys.modules)
import loguru  # as a library the run uses would
loguru.logger.info("the library logs before ginpipe does")
log.logger.info("ginpipe after the import")
loguru.logger.info("the library again")
loguru.logger.debug("below the console's level")
'''

PROJECT_CODE_RUNS = '''
import sys
from ginpipe import log
log.own_console(sys.stderr, "INFO")
log.logger.info("written directly")
print("loaded before:", "loguru" in sys.modules)
log.use_loguru()  # what the engine does before a task runs
print("loaded after:", "loguru" in sys.modules)
from loguru import logger
logger.info("the task logs")
logger.debug("below the console's level")
log.logger.info("ginpipe again")
'''


def _run_python(code: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def test_before_project_code_runs_the_console_is_handed_to_loguru():
    done = _run_python(PROJECT_CODE_RUNS)
    assert done.stdout == "loaded before: False\nloaded after: True\n"
    lines = done.stderr.splitlines()
    assert all(CONSOLE_LINE.match(line) for line in lines), lines
    assert _messages(lines) == ["written directly", "the task logs", "ginpipe again"]


def test_loguru_imported_by_a_library_is_handed_the_console_at_ginpipes_next_line():
    """Without an import hook, a line the library logs between its import of loguru and ginpipe's
    next line goes to loguru's own default sink (the cost of the simpler design); every line after
    that is in ginpipe's format, at the console's level."""
    done = _run_python(LIBRARY_IMPORTS_LOGURU)
    assert done.stdout == "loaded before: False\n"
    lines = done.stderr.splitlines()
    assert CONSOLE_LINE.match(lines[0]) and _messages(lines[:1]) == ["written directly"]
    assert "the library logs before ginpipe does" in lines[1] and not CONSOLE_LINE.match(lines[1])
    assert all(CONSOLE_LINE.match(line) for line in lines[2:]), lines
    assert _messages(lines[2:]) == ["ginpipe after the import", "the library again"]
