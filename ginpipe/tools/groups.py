"""`ginpipe compare --group-by SEED`: experiments that differ only in the named bindings become one
row, each metric as its mean ± standard deviation over them, with their `count`.

A seed sweep of each configuration (`--sweep "SEED=[1,2,3]"`) then reads like a paper's table:
one row per configuration, `0.919 ± 0.015`. Only finished experiments are counted; the others are
named on stderr. The standard deviation is the sample one (n - 1), absent for a group of one.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["Group", "resolve_binding", "group_rows", "group_table", "format_mean_std", "mean_std"]


@dataclass
class Group:
    key: tuple[str, ...]  # the values of the other differing bindings
    rows: list  # compare.Row of the group's experiments


def resolve_binding(name: str, known: list[str]) -> str:
    """The binding `name` stands for: itself, or the one binding it ends (`n_layers`, `Resnet.n_layers`)."""
    if name in known:
        return name
    matches = [k for k in known if k.endswith("." + name) or k.endswith("/" + name)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(f"--group-by {name} matches several bindings: {', '.join(matches)}.",
                          hint="Name one of them in full.")
    last = {k.rsplit(".", 1)[-1].rsplit("/", 1)[-1]: k for k in known}  # `ofset` is close to `offset`
    close = {last.get(m, m) for m in _close(name, [*known, *last])}
    suggestion = (" Did you mean " + " or ".join(f"`{m}`" for m in sorted(close)) + "?") if close else ""
    raise ConfigError(f"--group-by {name}: no experiment binds it.{suggestion}",
                      hint="Bindings of these experiments: " + (", ".join(known) or "none"))


def _close(name: str, candidates: list[str]) -> list[str]:
    import difflib
    return difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)


def group_rows(rows: list, by: list[str], others: list[str]) -> list[Group]:
    """Rows grouped by their values of `others` (every differing binding not in `by`), in first-seen order."""
    groups: dict[tuple[str, ...], Group] = {}
    for row in rows:
        key = tuple(row.bindings.get(n, "—") for n in others if n not in by)
        groups.setdefault(key, Group(key, [])).rows.append(row)
    return list(groups.values())


def mean_std(values: list[float]) -> tuple[float, float | None]:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan, None
    return statistics.fmean(finite), statistics.stdev(finite) if len(finite) > 1 else None


def format_mean_std(mean: float, std: float | None, format_number) -> str:
    """`0.919 ± 0.015`: the deviation to two significant digits, the mean to the same decimal place."""
    if std is None or std == 0 or math.isnan(mean) or not math.isfinite(std):
        return format_number(mean) + ("" if std is None else f" ± {format_number(std)}")
    decimals = max(0, 1 - math.floor(math.log10(std)))
    return f"{mean:.{decimals}f} ± {std:.{decimals}f}"


def group_table(groups: list[Group], names: list[str], metrics: list[str], fmt: str,
                format_number) -> tuple[list[str], list[list[str]]]:
    """Header and cells: the grouping bindings, `count`, then each metric as `mean ± std` (CSV: two columns,
    every digit)."""
    split = fmt == "csv"
    header = [*names, "count"]
    for m in metrics:
        header += [f"{m}_mean", f"{m}_std"] if split else [m]
    cells = []
    for group in groups:
        row = [*group.key, str(len(group.rows))]
        for m in metrics:
            mean, std = mean_std([r.metrics[m] for r in group.rows if m in r.metrics])
            if split:
                row += [format_number(mean), "" if std is None else format_number(std)]
            else:
                row.append(format_mean_std(mean, std, format_number))
        cells.append(row)
    return header, cells
