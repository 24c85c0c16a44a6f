"""`reach`: what the task list can evaluate; `unused_bindings.swapped_out`: the stages a later binding
replaced. Checked on configs composed and resolved as a run does, nothing imported."""
from ginpipe.config.checks.reach import reach_from
from ginpipe.config.checks.unused_bindings import swapped_out
from ginpipe.runs.options import RunOptions
from ginpipe.runs.prepare import prepare, run_scope


def prepared(project, text: str):
    project.write("c.gin", text)
    with run_scope():
        return prepare(RunOptions(["c.gin"]))


def test_reach_follows_references_and_macros_but_not_unreferenced_bindings(project):
    p = prepared(project, """
        execute_pipeline.tasks = [@keep, @set_seed]
        keep.obj = %OBJ
        OBJ = @Scaler()
        Scaler.factor = %FACTOR
        FACTOR = 3
        double.factor = %UNUSED
        UNUSED = %NOT_DEFINED
        """)
    reach = reach_from(p.config, [p.pipeline])
    short = {s.rsplit(".", 1)[-1] for s in reach.selectors}
    assert short == {"execute_pipeline", "keep", "set_seed", "Scaler"}
    assert reach.macros == {"OBJ", "FACTOR"}
    assert any("%NOT_DEFINED" in w and "c.gin, line 7" in w for w in p.config.warnings)


def test_a_stage_replaced_later_is_swapped_out_with_what_only_it_references(project):
    p = prepared(project, """
        execute_pipeline.tasks = [@keep]
        keep.obj = @Scaler()
        Scaler.factor = @double
        keep.obj = @load
        load.n = 3
        """)
    assert {s.rsplit(".", 1)[-1] for s in swapped_out(p.config, p.pipeline)} == {"Scaler", "double"}


def test_an_undefined_macro_in_a_replaced_binding_is_neither_refused_nor_warned(project):
    p = prepared(project, """
        execute_pipeline.tasks = [@keep]
        keep.obj = %NOT_DEFINED
        keep.obj = 1
        """)
    assert p.config.warnings == []
