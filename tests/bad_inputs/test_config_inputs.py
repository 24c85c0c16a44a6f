"""Bad configs, mods and import lists: each is refused before anything runs, at the user's own line.

Every case targets the finished experiment `keep` itself (`--experiment-name keep`), so a refusal that
touched the folder first would show up in its snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]  # written into the project first
    args: list[str]  # after `ginpipe`
    message: str  # the first line of the error, exactly
    where: str  # the lines naming the file and line (or the item), exactly
    hint: str = ""  # a fragment of the suggested fix


SEARCH = ["--trials", "2", "--objective", "total", "--direction", "max"]  # a study of the base config

CASES = [
    Case("gin syntax error", {"c.gin": "x = 1\nload.n = 3 4\n"}, ["base.gin", "c.gin"],
         "Syntax error: Expected newline.", 'In file "c.gin", line 2:\n    load.n = 3 4',
         "A binding looks like `name.param = value`"),
    Case("unclosed bracket", {"c.gin": "load.n = (3\n"}, ["base.gin", "c.gin"],
         "Syntax error: EOF in multi-line statement", 'In file "c.gin", line 1:\n    load.n = (3',
         "unclosed bracket"),
    Case("unknown configurable", {"c.gin": "x = 1\nlaod.n = 3\n"}, ["base.gin", "c.gin"],
         "No configurable matching `laod`: it is neither an importable dotted path nor a name defined in"
         " `tasks`. Did you mean `load`?", 'In file "c.gin", line 2:\n    laod.n = 3'),
    Case("unknown parameter", {"c.gin": "load.nn = 3\n"}, ["base.gin", "c.gin"],
         "`load` has no parameter `nn`. Did you mean `n`?", 'In file "c.gin", line 1:\n    load.nn = 3',
         "Parameters of `tasks.steps.load`: state, n, key_out, pause."),
    Case("unknown parameter in --mods", {}, ["base.gin", "--mods", "SEED=1", "double.factr=3"],
         "`double` has no parameter `factr`. Did you mean `factor`?", "In --mods item 2:\n    double.factr=3"),
    Case("mod without =", {}, ["base.gin", "--mods", "N=3", "load.n"],
         "Mod `load.n` is not a binding: expected `name.param=value` or `MACRO=value`.",
         "In --mods item 2:\n    load.n", 'For example: --mods "Resnet.n_layers=20" SEED=3'),
    Case("+= onto a non-list", {"c.gin": "set_seed.seed += [1]\n"}, ["base.gin", "c.gin"],
         "`+=` appends to a list, but `tasks.steps.set_seed.seed` is 3 (base.gin, line 3).",
         'In file "c.gin", line 1:\n    set_seed.seed += [1]', "Bind a list first"),
    Case("+= with no list on the right", {"c.gin": "execute_pipeline.tasks += @total\n"}, ["base.gin", "c.gin"],
         "`+=` needs a list on its right, got @tasks.steps.total.", 'In file "c.gin", line 1:\n    execute_pipeline.tasks += @total'),
    Case("$() unknown macro", {"c.gin": "load.n = $(%M * 2)\n"}, ["base.gin", "c.gin"],
         "`$(%M * 2)` uses macro %M, which is not defined. Define it first, e.g. `M = 4`.",
         'In file "c.gin", line 1:\n    load.n = $(%M * 2)'),
    Case("$() division by zero", {"c.gin": "load.n = $(%N // (%N - 5))\n"}, ["base.gin", "c.gin"],
         "`$(%N // (%N - 5))` divides by zero.", 'In file "c.gin", line 1:\n    load.n = $(%N // (%N - 5))'),
    Case("$() __import__", {"c.gin": "load.n = $(__import__('os').system('touch PWNED'))\n"},
         ["base.gin", "c.gin"],
         "`$(__import__('os').system('touch PWNED'))`: `__import__('os').system('touch PWNED')` is not allowed."
         " Only numbers, %MACROS, + - * / // % **, parentheses and abs, float, int, max, min, round may appear.",
         """In file "c.gin", line 1:\n    load.n = $(__import__('os').system('touch PWNED'))"""),
    Case("$() huge exponent", {"c.gin": "load.n = $(9 ** 9 ** 9)\n"}, ["base.gin", "c.gin"],
         "`$(9 ** 9 ** 9)`: exponent 387420489 is too large.", 'In file "c.gin", line 1:\n    load.n = $(9 ** 9 ** 9)'),
    Case("$() unclosed", {"c.gin": "load.n = $(%N * (2)\n"}, ["base.gin", "c.gin"],
         "`$(` has no matching `)`.", 'In file "c.gin", line 1:\n    load.n = $(%N * (2)', "Close the expression"),
    Case("undefined macro", {"c.gin": "# a typo\nload.n = %NN\n"}, ["base.gin", "c.gin"],
         "Macro %NN is not defined. Did you mean `N`?", 'In file "c.gin", line 2:\n    load.n = %NN',
         "--mods NN=...; defined macros: N."),
    Case("macro defined by itself", {"c.gin": "A = %A\nload.n = %A\n"}, ["base.gin", "c.gin"],
         "Macro %A refers to itself.", 'In file "c.gin", line 1:\n    A = %A'),
    Case("missing config file", {}, ["base.gin", "bsae.gin"],
         "Config file bsae.gin does not exist.", "", "Did you mean `base.gin`?"),
    Case("missing included file", {"c.gin": "include 'models/nothere.gin'\n"}, ["base.gin", "c.gin"],
         "Config file models/nothere.gin does not exist.",
         """In file "c.gin", line 1:\n    include 'models/nothere.gin'"""),
    Case("missing template file", {"c.gin": "!load_template:\n    template = 'block.gin'\n"},
         ["base.gin", "c.gin"], "Template file block.gin does not exist.",
         """In file "c.gin", line 2:\n    template = 'block.gin'""", "relative to the config file"),
    Case("malformed import-list line", {"imports.txt": "tasks.steps: st\njust_a_module\n"},
         ["base.gin", "--module_list", "imports.txt"],
         "Malformed import-list line: expected `python.module: alias`.",
         'In file "imports.txt", line 2:\n    just_a_module', "For example `torch.optim: optim`"),
    Case("import list naming a module not installed", {"imports.txt": "# mine\nnot_installed_xyz.sub: xyz\n"},
         ["base.gin", "--module_list", "imports.txt"],
         "Cannot import `not_installed_xyz.sub` (for `xyz`): no such module.",
         'In file "imports.txt", line 2:\n    not_installed_xyz.sub: xyz', "install the package that provides"),
    Case("missing import list", {}, ["base.gin", "--module_list", "imports.txt"],
         "Import list imports.txt does not exist.", "", "Pass an existing file to --module_list"),
    Case("config import of a module not installed", {"c.gin": "import not_installed_xyz as nx\nload.n = @nx.f\n"},
         ["base.gin", "c.gin"], "Cannot import `not_installed_xyz.f` (for `nx.f`): no such module.",
         'In file "c.gin", line 2:\n    load.n = @nx.f'),
    Case("ambiguous short name", {"tasks/other.py": "def load(state):\n    pass\n", "c.gin": "load.n = 4\n"},
         ["base.gin", "c.gin"],
         "`load` is ambiguous: it could be `tasks.other.load`, `tasks.steps.load`.",
         'In file "base.gin", line 2:', "Write the longer name"),
    Case("no task list", {"c.gin": "set_seed.seed = 1\n"}, ["c.gin"],
         "No task list: nothing binds `execute_pipeline.tasks`.", "",
         "Add e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset, @fit_model]`."),
    Case("empty task list", {"c.gin": "execute_pipeline.tasks = []\n"}, ["base.gin", "c.gin"],
         "The task list is empty: expected a non-empty list of tasks.",
         'In file "c.gin", line 1:\n    execute_pipeline.tasks = []'),
    Case("task list that is not a list", {"c.gin": "execute_pipeline.tasks = @total\n"}, ["base.gin", "c.gin"],
         "The task list is @tasks.steps.total: expected a non-empty list of tasks.",
         'In file "c.gin", line 1:\n    execute_pipeline.tasks = @total'),
    Case("task that is not callable", {"c.gin": "execute_pipeline.tasks = [@set_seed, 3]\n"},
         ["base.gin", "c.gin"], "Task 2 of the task list is 3, which is not callable.",
         'In file "c.gin", line 1:\n    execute_pipeline.tasks = [@set_seed, 3]', "Tasks are referenced with `@`"),
    Case("task object that is not callable", {"c.gin": "execute_pipeline.tasks = [@set_seed, @Scaler()]\n"},
         ["base.gin", "c.gin"], "Task 2 `@tasks.steps.Scaler()` makes a `Scaler` object, which is not callable.",
         'In file "c.gin", line 1:\n    execute_pipeline.tasks = [@set_seed, @Scaler()]', "__call__(self, state)"),
    Case("task that cannot take the state", {"c.gin": "execute_pipeline.tasks = [@set_seed, @os.getcwd]\n"},
         ["base.gin", "c.gin"], "Task 2 `@os.getcwd` cannot take the state: a task is called as `task(state)`.",
         'In file "c.gin", line 1:\n    execute_pipeline.tasks = [@set_seed, @os.getcwd]'),
    Case("--from a task not in the pipeline", {}, ["base.gin", "--from", "dubble"],
         "--from dubble: no task of that name in the pipeline. Did you mean `double`?", "",
         "Tasks: set_seed, load, double, total"),
    Case("another config in a finished experiment", {}, ["base.gin", "--mods", "double.factor=7"],
         "Experiment experiments/my_project/keep already exists with a different config:",
         "+double.factor = 7", "Pass --resume to reuse what is still valid"),
    Case("unknown search distribution", {"c.gin": "!search:\n    load.n = logunifrm(1, 4)\n"},
         ["base.gin", "c.gin", *SEARCH],
         "Unknown distribution `logunifrm` for `load.n`. Did you mean `loguniform` or `uniform`?",
         'In file "c.gin", line 2:\n    load.n = logunifrm(1, 4)', "Distributions: loguniform(low, high)"),
    Case("search range with low >= high", {}, ["base.gin", "--search", "load.n=int(8, 2)", *SEARCH],
         "`int(8, 2)`: low must be below high (got low 8, high 2).", "In --search item 1:\n    load.n=int(8, 2)",
         "Write e.g. `int(2, 8)`."),
    Case("search range that is two calls, not one", {}, ["base.gin", "--search", "load.n=int(2) + g(8)", *SEARCH],
         "`int(2) + g(8)`: its arguments are not numbers.", "In --search item 1:\n    load.n=int(2) + g(8)",
         "Write int(low, high"),
    Case("log search range from zero", {"c.gin": "N = 1\n!search:\n    N = loguniform(0, 1e-2)\n"},
         ["base.gin", "c.gin", *SEARCH], "`loguniform(0, 1e-2)`: a log scale needs low > 0 (got 0).",
         'In file "c.gin", line 3:\n    N = loguniform(0, 1e-2)', "Start the range above zero"),
    Case("search of a parameter its configurable does not take", {},
         ["base.gin", "--search", "load.nn=int(2, 8)", *SEARCH], "`load` has no parameter `nn`. Did you mean `n`?",
         "In --search item 1:\n    load.nn=int(2, 8)", "Parameters of `tasks.steps.load`: state, n, key_out, pause."),
    Case("search of a macro nothing uses", {}, ["base.gin", "--search", "NN=int(2, 8)", *SEARCH],
         "--search sets macro NN, which no config file defines or uses, so it would change nothing. Did you mean `N`?",
         "In --search item 1:\n    NN=int(2, 8)", "define it in a config file (`NN = ...`)"),
    Case("sweep of a parameter its configurable does not take", {"c.gin": "!sweep:\n    load.nn = [2, 3]\n"},
         ["base.gin", "c.gin", "--dry-run"], "`load` has no parameter `nn`. Did you mean `n`?",
         'In file "c.gin", line 2:\n    load.nn = [2, 3]', "Parameters of `tasks.steps.load`"),
    Case("sweep of a macro nothing uses", {}, ["base.gin", "--sweep", "LR=[1e-3,1e-4]", "--jobs", "2"],
         "--sweep sets macro LR, which no config file defines or uses, so it would change nothing.",
         "In --sweep item 1:\n    LR=[1e-3,1e-4]", "define it in a config file (`LR = ...`)"),
    Case("search line that is no distribution", {"c.gin": "!search:\n    load.n = 8\n"}, ["base.gin", "c.gin", *SEARCH],
         "`load.n = 8` is not a distribution.", 'In file "c.gin", line 2:\n    load.n = 8',
         "For example `Resnet.dropout = uniform(0.0, 0.5)`"),
    Case("continuous range on a grid", {}, ["base.gin", "--search", "N=uniform(1, 4)", "--sampler", "grid", *SEARCH],
         "`N` is a continuous range, which a grid cannot hold.", "In --search item 1:\n    N=uniform(1, 4)",
         "another --sampler"),
    Case("study named after an experiment", {}, ["base.gin", "--search", "load.n=int(2, 8)", *SEARCH],
         "experiments/my_project/keep is an experiment, not a study: a study's folder holds its trials.", "",
         "--experiment-name NAME"),
    Case("search without an objective", {}, ["base.gin", "--search", "load.n=int(2, 8)", "--trials", "2"],
         "A search needs an objective, and no config binds `fit_model.monitor`.", "", "--objective METRIC"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_config_is_refused_at_its_line_and_changes_nothing(project, case):
    for name, text in case.files.items():
        project.write(name, text)
    done = project.cli(*case.args, "--experiment-name", "keep")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {case.message}\n"), done.stderr
    assert case.where in done.stderr and case.hint in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert project.keep.changes() == []
    assert not (project.root / "PWNED").exists()
