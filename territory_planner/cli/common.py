"""What the commands share: the project lock and save, sessions, lookups and JSON records."""

from __future__ import annotations

import argparse
import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError

Handler = Callable[[argparse.Namespace], dict[str, Any]]
#: Whether a command, given its arguments, changes the project file.
Writes = Callable[[argparse.Namespace], bool]


@contextlib.contextmanager
def _writing(args: argparse.Namespace) -> Iterator[None]:
    """Hold the project's lock while a command that changes it runs (from load to save).

    Two commands changing one project take turns; the second waits for the
    first (see `territory_planner.io.project_lock`). The file's stamp when the
    lock was taken is kept in ``args.stamp`` for `_save`.
    """
    if not args.writes(args):
        yield
        return
    from territory_planner.io.project_lock import file_stamp, project_lock  # noqa: PLC0415

    with project_lock(args.project):
        args.stamp = file_stamp(args.project)
        yield


def _save(project: Any, args: argparse.Namespace) -> None:
    """Save the project, unless another program changed the file since the command read it."""
    from territory_planner.io.project_file import save_project  # noqa: PLC0415
    from territory_planner.io.project_lock import check_unchanged  # noqa: PLC0415

    check_unchanged(args.project, getattr(args, "stamp", None))
    save_project(project, args.project)


def _open_or_new(path: Path) -> Any:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.model import Project  # noqa: PLC0415

    return load_project(path) if path.exists() else Project.empty(path.stem)


def _column_choices(pairs: list[str]) -> dict[str, str]:
    choices = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip():
            msg = f"--column takes FIELD=HEADER (got {pair!r})"
            raise UsageError(msg)
        choices[field.strip()] = header
    return choices


def _option_date(flag: str, text: str | None) -> Any:
    """The date an option such as ``--start`` gives as YYYY-MM-DD (None when not given)."""
    from datetime import date  # noqa: PLC0415

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        msg = f"{flag} {text}: give a date as YYYY-MM-DD"
        raise UsageError(msg) from exc


def _by_id_or_name(table: Any, what: str, text: str) -> str:
    """The ID of the `what` ("territory", "rep") in `table` that `text` names (ID or name)."""
    ids = [str(t) for t in table[f"{what}_id"]]
    names = [str(n) for n in table["name"]]
    if text in ids:
        return text
    if names.count(text) == 1:
        return ids[names.index(text)]
    many = "territories" if what == "territory" else f"{what}s"
    msg = f"there is no {what} '{text}'; the {many} are: {', '.join(names)}"
    raise InputError(msg)


def _territory_by_id_or_name(project: Any, text: str) -> str:
    """The ID of the territory `text` names (its ID or its name)."""
    return _by_id_or_name(project.territories, "territory", text)


def _rep_by_id_or_name(project: Any, text: str) -> str:
    """The ID of the rep `text` names (their ID or their name)."""
    return _by_id_or_name(project.reps, "rep", text)


def _assign_words(args: argparse.Namespace) -> str:
    """What `assign` did, for the change log."""
    asked = (
        ("new rules", args.rules),
        ("a parent policy", args.parent_policy),
        ("a balance tolerance", args.tolerance is not None),
    )
    given = [words for words, on in asked if on]
    return "Assigned accounts" + (f" with {' and '.join(given)}" if given else "")


def _session(project: Any) -> Any:
    """A session on `project`: its changes go through edits into the change log."""
    from territory_planner.app.session import Session  # noqa: PLC0415

    return Session(project)


def _plan_report(project: Any, shares: dict[str, float], tolerance: float) -> dict[str, Any]:
    """Per-territory totals of the plan in use, its balance, contiguity and shapes."""
    from territory_planner.plan.scenarios import plan_kpis  # noqa: PLC0415

    kpis = plan_kpis(project, shares)
    columns = ("territory_id", "name", "rep", "accounts", "potential", "revenue",
               "workload_hours", "balanced", "balanced_vs_mean", "parts", "compactness",
               "locked")  # fmt: skip
    kpis["locked"] = project.territories_locked()
    deviation = float(kpis["balanced_vs_mean"].abs().max()) if len(kpis) else 0.0
    return {
        "territories": [_json_record(row) for row in kpis[list(columns)].to_dict("records")],
        "max_deviation": round(deviation, 6),
        "within_tolerance": deviation <= tolerance + 1e-9,
        "contiguous": bool((kpis["parts"] <= 1).all()),
        "mean_compactness": round(float(kpis["compactness"].mean()), 4),
        "unassigned": int(project.accounts["territory_id"].isna().sum()),
    }


def _bound_record(change: Any) -> dict[str, Any]:
    """The fewest moves any plan within the band needs, and the stringy territories.

    The bound is rebalance's or split's, contiguity ignored; the territories are
    those the change leaves stringy (`PlanChange.stretched`).
    """
    stretched = [
        {"territory": name, "compactness_before": round(was, 4), "compactness_after": round(now, 4)}
        for name, was, now in change.stretched()
    ]
    bound = change.bound
    if bound is None:
        return {"stretched": stretched}
    found = None if bound.found == float("inf") else round(bound.found, 2)
    lower = None if bound.lower == float("inf") else round(bound.lower, 2)
    said = {"moved_bound_note": change.no_plan_note()}
    return {"moved_lower_bound": lower, "moved_bound_plan": found,
            "moved_bound_optimal": bound.optimal,
            **(said if lower is None else {}), "stretched": stretched}  # fmt: skip


def _scenario_view(project: Any, name: str) -> Any:
    from territory_planner.plan.scenarios import scenario_project  # noqa: PLC0415

    return (
        project
        if name == project.scenario_name
        else scenario_project(project, project.scenario(name))
    )


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float as null: JSON output is always valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _json_record(row: dict[Any, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table row for JSON: plain Python values, floats rounded, NaN as null."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in skip:
            continue
        plain = value.item() if hasattr(value, "item") else value
        if isinstance(plain, float):
            plain = None if plain != plain else round(plain, 4)  # noqa: PLR0124 (NaN test)
        out[str(key)] = plain
    return out


def _kpi_record(row: dict[Any, Any]) -> dict[str, Any]:
    """One territory's KPIs for JSON, ``name`` and ``rep`` first."""
    return {"name": row["name"], "rep": row["rep"], **_json_record(row, ("name", "rep", "color"))}


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""
