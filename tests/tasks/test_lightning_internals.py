"""Lightning's private API is reached from one module only, as gin's is (tests/test_architecture.py)."""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INTERNALS = REPO / "tasks/training/lightning_internals.py"
LIGHTNING_NAMES = {"trainer", "pl_module", "module", "connector", "loop", "epoch_loop", "fit_loop", "strategy"}


def _private_uses(tree: ast.AST) -> list[str]:
    """`trainer._x`, `trainer.fit_loop.epoch_loop._y`: a `_name` reached from a Lightning object's name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in LIGHTNING_NAMES:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_only_lightning_internals_touches_lightnings_private_names():
    offenders = {str(path.relative_to(REPO)): uses for path in sorted((REPO / "tasks").rglob("*.py"))
                 if path != INTERNALS and (uses := _private_uses(ast.parse(path.read_text())))}
    assert offenders == {}
    assert _private_uses(ast.parse(INTERNALS.read_text()))  # the check sees what it looks for


def test_the_internals_module_still_finds_lightnings_private_names():
    import lightning.pytorch as pl

    from tasks.training import lightning_internals

    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False)
    assert lightning_internals.batches_that_stepped(trainer) == 0
    assert lightning_internals.pending_epoch_metrics(trainer) is None  # not training
