"""The headless command line: ``territory-planner COMMAND PROJECT.gpkg ...``.

Every command takes the project file first. ``--json`` prints one JSON object
on stdout. Errors go to stderr: exit code 1 for bad input, 2 for usage; so does
the progress of long commands (``schedule``: a line per rep).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError, PlannerError
from territory_planner.bundle import version_text
from territory_planner.formats import agree, plural

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


def _demo(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.demo import make_demo  # noqa: PLC0415
    from territory_planner.edits import Changes  # noqa: PLC0415
    from territory_planner.formats import plural  # noqa: PLC0415

    project = make_demo(accounts=args.accounts, reps=args.reps, seed=args.seed)
    counts = f"{plural(args.accounts, 'account')}, {plural(args.reps, 'rep')}"
    _session(project).announce(Changes(f"Made the demo project ({counts}, seed {args.seed})"))
    _save(project, args)
    return {"project": str(args.project), **project.summary().as_dict()}


def _check(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    project = load_project(args.project)
    problems = []
    duplicated = project.accounts["account_id"].duplicated()
    if duplicated.any():
        problems.append(plural(int(duplicated.sum()), "duplicate account ID"))
    known_reps = set(project.reps["rep_id"])
    orphans = [t for t in project.territories["rep_id"].dropna() if t not in known_reps]
    if orphans:
        problems.append(
            f"{plural(len(orphans), 'territory')} {agree(len(orphans), 'names', 'name')} "
            "a rep that does not exist"
        )
    invalid = ~project.territories.geometry.is_valid
    if invalid.any():
        bad = int(invalid.sum())
        problems.append(f"{plural(bad, 'territory')} {agree(bad, 'has', 'have')} invalid outlines")
    return {"project": str(args.project), **project.summary().as_dict(), "problems": problems}


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


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.operations import import_accounts  # noqa: PLC0415
    from territory_planner.io.account_import import read_accounts  # noqa: PLC0415
    from territory_planner.io.records_import import write_report_csv  # noqa: PLC0415

    columns = _column_choices(args.column)
    session = _session(_open_or_new(args.project))
    project = session.project
    result = read_accounts(
        args.file, columns=columns, sheet=args.sheet, header_row=args.header_row,
        fix_swapped=not args.no_fix_swapped,
    )  # fmt: skip
    imported = import_accounts(
        project, result, Path(args.file).name, remove_missing=args.remove_missing
    )
    session.apply(imported.edit)
    summary, merged = imported.summary, project.accounts
    _save(project, args)
    if args.report:
        write_report_csv(result.report, args.report)
    out = result.report.as_dict()
    out.update({k: v for k, v in summary.items() if not k.endswith("_ids")})
    out["project_accounts"] = len(merged)
    return out


def _reps(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.operations import import_reps  # noqa: PLC0415
    from territory_planner.io.rep_import import read_reps  # noqa: PLC0415

    session = _session(_open_or_new(args.project))
    project = session.project
    reps, report = read_reps(args.file, columns=_column_choices(args.column), sheet=args.sheet)
    imported = import_reps(project, reps, report, Path(args.file).name)
    session.apply(imported.edit)
    added, updated = imported.summary["added"], imported.summary["updated"]
    _save(project, args)
    return {
        **report.as_dict(),
        "added": added,
        "updated": updated,
        "project_reps": len(project.reps),
    }


def _import_actuals(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.operations import import_actuals  # noqa: PLC0415
    from territory_planner.io.actuals_import import read_actuals  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.io.records_import import write_report_csv  # noqa: PLC0415

    columns = _column_choices(args.column)
    for pair in args.map:  # HEADER=FIELD, the other way round from --column
        header, sep, name = pair.rpartition("=")
        if not sep or not name.strip():
            msg = f"--map takes HEADER=FIELD (got {pair!r})"
            raise UsageError(msg)
        columns[name.strip()] = header
    project = load_project(args.project)
    result = read_actuals(
        args.file, project.accounts["account_id"].astype(str), columns=columns,
        sheet=args.sheet, header_row=args.header_row,
    )  # fmt: skip
    imported = import_actuals(project, result, Path(args.file).name)
    _session(project).apply(imported.edit)
    summary = imported.summary
    _save(project, args)
    if args.report:
        write_report_csv(result.report, args.report)
    return {**result.report.as_dict(), **summary}


def _territory_by_id_or_name(project: Any, text: str) -> str:
    """The ID of the territory `text` names (its ID or its name)."""
    ids = [str(t) for t in project.territories["territory_id"]]
    names = [str(n) for n in project.territories["name"]]
    if text in ids:
        return text
    if names.count(text) == 1:
        return ids[names.index(text)]
    msg = f"there is no territory '{text}'; the territories are: {', '.join(names)}"
    raise InputError(msg)


def _rep_by_id_or_name(project: Any, text: str) -> str:
    """The ID of the rep `text` names (their ID or their name)."""
    ids = [str(r) for r in project.reps["rep_id"]]
    names = [str(n) for n in project.reps["name"]]
    if text in ids:
        return text
    if names.count(text) == 1:
        return ids[names.index(text)]
    msg = f"there is no rep '{text}'; the reps are: {', '.join(names)}"
    raise InputError(msg)


def _goal_settings(project: Any, specs: list[str]) -> dict[str, str]:
    """The project's goal settings with ``[territory:T:|rep:R:]ACTIVITY=N`` goals set."""
    from territory_planner.mapping.performance import ActivityGoals  # noqa: PLC0415

    goals = ActivityGoals.from_settings(project.settings)
    for spec in specs:
        target, sep, value = spec.rpartition("=")
        parts = target.split(":")
        scope, key = "", ""
        if len(parts) >= 3 and parts[0] in {"territory", "rep"}:  # noqa: PLR2004
            scope, key = parts[0], ":".join(parts[1:-1])
            lookup = _territory_by_id_or_name if scope == "territory" else _rep_by_id_or_name
            key = lookup(project, key)
        elif len(parts) != 1:
            sep = ""
        try:
            number = float(value)
        except ValueError:
            sep = ""
        if not sep:
            msg = (
                f"--goal takes ACTIVITY=N, territory:TERRITORY:ACTIVITY=N or rep:REP:ACTIVITY=N "
                f"(got {spec!r})"
            )
            raise UsageError(msg)
        goals = goals.with_goal(parts[-1].strip(), number, scope, key)
    return goals.as_settings()


def _performance(args: argparse.Namespace) -> dict[str, Any]:
    from datetime import date  # noqa: PLC0415

    from territory_planner.edits import ChangeSettings  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.performance import (  # noqa: PLC0415
        ActivityGoals,
        Thresholds,
        alerts,
        parse_threshold,
        performance,
    )

    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError as exc:
            msg = f"--as-of {args.as_of}: give a date as YYYY-MM-DD"
            raise UsageError(msg) from exc
    project = load_project(args.project)
    settings: dict[str, str] = {}
    if args.threshold:
        values = Thresholds.from_settings(project.settings).as_dict()
        for pair in args.threshold:
            name, sep, value = pair.partition("=")
            if not sep:
                msg = f"--threshold takes NAME=VALUE, e.g. attainment_below=0.8 (got {pair!r})"
                raise UsageError(msg)
            values[name.strip()] = parse_threshold(name.strip(), value)
        settings.update(Thresholds(**values).as_settings())
    if args.goal:
        settings.update(_goal_settings(project, args.goal))
    if settings:
        what = " and ".join(
            w
            for w, given in (("thresholds", args.threshold), ("activity goals", args.goal))
            if given
        )
        _session(project).apply(ChangeSettings(project, settings, f"Set the performance {what}"))
        _save(project, args)
    thresholds = Thresholds.from_settings(project.settings)
    perf = performance(project, as_of)
    return {
        "as_of": perf.as_of.isoformat(),
        "year": perf.year,
        "elapsed": round(perf.elapsed, 6),
        "territories": [_kpi_record(row) for row in perf.territories.to_dict("records")],
        "reps": [_json_record(row) for row in perf.reps.to_dict("records")],
        "alerts": [a.as_dict() for a in alerts(perf, thresholds)],
        "thresholds": thresholds.as_dict(),
        "goals": ActivityGoals.from_settings(project.settings).as_dict(),
        "unassigned_sales": round(perf.unassigned_sales, 2),
        "actuals": len(project.actuals),
        "saved": bool(args.threshold or args.goal),
    }


def _upsell(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.performance import upsell_list, upsell_summary  # noqa: PLC0415

    project = load_project(args.project)
    territory = _territory_by_id_or_name(project, args.territory) if args.territory else None
    table = upsell_list(
        project, min_gap=args.min_gap, max_share=args.max_share, top=args.top,
        territory_id=territory,
    )  # fmt: skip
    out: dict[str, Any] = {
        "min_gap": args.min_gap,
        "max_share": args.max_share,
        "top": args.top,
        "listed": len(table),
        "territories": [_json_record(r) for r in upsell_summary(table).to_dict("records")],
        "accounts": [_json_record(r) for r in table.to_dict("records")],
    }
    if args.xlsx:
        write_table_xlsx(table, args.xlsx, "Upsell")
        out["xlsx"] = str(args.xlsx)
    return out


def _segments(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping import market  # noqa: PLC0415

    if args.where and not args.save:
        msg = "--where needs --save NAME (the segment the conditions make)"
        raise UsageError(msg)
    project = load_project(args.project)
    session = _session(project)
    changed = []
    if args.save:
        conditions = tuple(market.parse_condition(text) for text in args.where)
        changed.append(market.save_segment(project, market.Segment(args.save, conditions)))
        session.apply(changed[-1])
    if args.delete:
        changed.append(market.delete_segment(project, args.delete))
        session.apply(changed[-1])
    if changed:
        _save(project, args)
    segments = []
    for segment in market.saved_segments(project):
        totals = market.summarize(project, market.segment_mask(project, segment))
        segments.append({
            **segment.as_data(), "description": segment.describe(), "accounts": totals.accounts,
            "potential": round(totals.potential, 2), "revenue": round(totals.revenue, 2),
        })  # fmt: skip
    return {"segments": segments, "changed": [e.label for e in changed], "saved": bool(changed)}


def _clusters(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.market import find_clusters, find_segment  # noqa: PLC0415

    project = load_project(args.project)
    segment = find_segment(project, args.segment) if args.segment else None
    found = find_clusters(
        project, segment=segment, radius_km=args.radius_km, min_accounts=args.min_accounts
    )
    return {
        "segment": found.segment,
        "radius_km": found.radius_km,
        "min_accounts": found.min_accounts,
        "considered": found.considered,
        "clustered": found.considered - found.noise,
        "noise": found.noise,
        "summary": found.describe(),
        "clusters": [c.as_dict() for c in found.clusters],
    }


def _whitespace(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.market import find_segment, whitespace  # noqa: PLC0415

    project = load_project(args.project)
    segment = find_segment(project, args.segment) if args.segment else None
    found = whitespace(
        project, segment=segment, min_potential=args.min_potential, far_km=args.far_km,
        radius_km=args.radius_km, min_accounts=args.min_accounts,
    )  # fmt: skip
    out: dict[str, Any] = {
        "segment": found.segment,
        "min_potential": found.min_potential,
        "far_km": found.far_km,
        **found.totals(),
        "summary": found.describe(),
        "accounts": [_json_record(r) for r in found.accounts.to_dict("records")],
        "clusters": [c.as_dict() for c in found.clusters.clusters],
    }
    if args.xlsx:
        write_table_xlsx(found.accounts, args.xlsx, "Whitespace")
        out["xlsx"] = str(args.xlsx)
    return out


def _heatmap(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.export import write_atomic  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.market import find_segment, heat_map  # noqa: PLC0415

    project = load_project(args.project)
    segment = find_segment(project, args.segment) if args.segment else None
    heat = heat_map(
        project, args.value, kind=args.by, segment=segment, cell_km=args.cell_km, stat=args.stat
    )
    cells = heat.cells.drop(columns="geometry")
    out: dict[str, Any] = {
        "title": heat.title,
        "value": heat.value,
        "by": heat.kind,
        "cell_km": heat.cell_km,
        "segment": heat.segment,
        "accounts": heat.accounts,
        "unplaced": heat.unplaced,
        "outside": heat.outside,
        "total": round(heat.total, 2),
        "legend": [{"color": c, "range": t} for c, t in heat.shading.legend],
        "cells": [_json_record(r) for r in cells.to_dict("records")],
    }
    if args.geojson:
        text = json.dumps(heat.as_layer()["features"])
        write_atomic(args.geojson, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        out["geojson"] = str(args.geojson)
    return out


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io import export  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    jobs = {
        "csv": (args.csv, export.export_accounts_csv, "rows"),
        "xlsx": (args.xlsx, export.export_accounts_xlsx, "rows"),
        "accounts_geojson": (args.accounts_geojson, export.export_accounts_geojson, "features"),
        "geojson": (args.geojson, export.export_territories_geojson, "features"),
        "territories_csv": (args.territories_csv, export.export_territories_csv, "rows"),
    }
    if not (any(target for target, _, _ in jobs.values()) or args.shp):
        msg = (
            "nothing to export: give --csv, --xlsx, --accounts-geojson, --geojson, "
            "--territories-csv and/or --shp"
        )
        raise UsageError(msg)
    project = load_project(args.project)
    written: dict[str, Any] = {}
    for key, (target, write, unit) in jobs.items():
        if target:
            written[key] = {"file": str(target), unit: write(project, target)}
    if args.shp:
        written["shp"] = {"folder": str(args.shp), **export.export_shapefiles(project, args.shp)}
    return written


def _territories(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.edits import replace_territories  # noqa: PLC0415
    from territory_planner.io.territory_import import read_territories  # noqa: PLC0415

    project = _open_or_new(args.project)
    territories = read_territories(args.source, args.name_field)
    edit = replace_territories(project, territories, args.source.name)
    _session(project).apply(edit)
    _save(project, args)
    counts = project.accounts["territory_id"].value_counts()
    return {
        "territories": [
            {"territory_id": t, "name": n, "accounts": int(counts.get(t, 0))}
            for t, n in zip(territories["territory_id"], territories["name"], strict=True)
        ],
        "unassigned": project.summary().unassigned,
        "moved": edit.moved,
    }


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


def _assign(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.operations import assign  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.coverage import find_gaps, find_overlaps  # noqa: PLC0415
    from territory_planner.mapping.metrics import (  # noqa: PLC0415
        balance_alerts,
        territory_kpis,
    )
    from territory_planner.mapping.parents import (  # noqa: PLC0415
        policy_setting,
        split_parents_report,
    )
    from territory_planner.mapping.rules import SETTINGS_KEY, parse_rules  # noqa: PLC0415

    project = load_project(args.project)
    settings: dict[str, str] = {}
    if args.rules:
        try:
            data = json.loads(args.rules.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"cannot read the rules ({exc}); give a JSON list of rules"
            raise InputError(msg, file=str(args.rules)) from exc
        parse_rules(data, project)  # check them before keeping them
        settings[SETTINGS_KEY] = json.dumps(data)
    if args.parent_policy:
        settings.update(policy_setting(args.parent_policy))
    if args.tolerance is not None:
        settings["balance_tolerance"] = repr(args.tolerance)
    before = project.accounts["territory_id"].fillna("").to_numpy()
    edit, result = assign(project, settings, _assign_words(args))
    _session(project).apply(edit)
    _save(project, args)
    territory = result.accounts["territory_id"]
    moves = [
        {
            "account": str(project.accounts["account_id"].iloc[i]),
            "from": before[i] or None,
            "to": territory.iloc[i] if isinstance(territory.iloc[i], str) else None,
        }
        for i in result.moved
    ]
    kpis = territory_kpis(project)
    tolerance = float(project.settings.get("balance_tolerance", 0.05))
    alerts = balance_alerts(kpis, tolerance)
    coverage = [*find_gaps(project), *find_overlaps(project)]
    parents = split_parents_report(project)
    return {
        "territories": [_kpi_record(row) for row in kpis.to_dict("records")],
        "unassigned": result.unassigned,
        "overlapping": result.overlapping,
        "locked": result.locked,
        "moved": len(moves),
        "moves": moves[:1000],
        "placed_by": {
            str(k): int(v) for k, v in result.accounts["placed_by"].value_counts().items()
        },
        "tolerance": tolerance,
        "out_of_balance": sorted({a.name for a in alerts}),
        "alerts": [{"territory": a.name, "alert": a.text} for a in alerts],
        "split_parents": [_json_record(row) for row in parents.to_dict("records")],
        "coverage": [
            {
                "kind": c.kind,
                "where": c.where,
                "area_km2": round(c.area_km2, 1),
                "accounts": c.accounts,
            }
            for c in coverage
        ],
    }


def _schedule(args: argparse.Namespace) -> dict[str, Any]:
    from datetime import date  # noqa: PLC0415

    from territory_planner.io.calendar_export import (  # noqa: PLC0415
        write_calendar_ics,
        write_calendar_xlsx,
    )
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.routing.calendar_inputs import parse_dates  # noqa: PLC0415
    from territory_planner.routing.schedule import (  # noqa: PLC0415
        build_schedule,
        schedule_record,
    )
    from territory_planner.routing.travel import load_roads  # noqa: PLC0415

    project = load_project(args.project)
    start = None
    if args.start:
        try:
            start = date.fromisoformat(args.start)
        except ValueError as exc:
            msg = f"--start {args.start}: give a date as YYYY-MM-DD"
            raise UsageError(msg) from exc
    staffed = project.territories["rep_id"].dropna().astype(str)
    reps = args.rep or [r for r in project.reps["rep_id"].astype(str) if r in set(staffed)]
    try:
        days_off = parse_dates(args.days_off or "")
    except ValueError as exc:
        msg = f"--days-off: {exc}"
        raise UsageError(msg) from exc
    options: dict[str, Any] = {
        "start": start,
        "allow_overtime": args.overtime,
        "lunch": args.lunch,
        "max_drive": args.max_drive * 60 if args.max_drive else None,
        "days_off": days_off,
        "priority": args.priority,
        "travel": load_roads(args.roads) if args.roads else None,
    }
    plans = []
    for number, rep in enumerate(reps, start=1):  # one rep's travel times in memory at a time
        print(f"planning rep {rep} ({number} of {len(reps)})", file=sys.stderr, flush=True)
        schedule = build_schedule(project, rep, args.weeks, **options)
        plans.append(schedule_record(schedule, project.accounts))
    written: dict[str, Any] = {}
    if args.xlsx:
        written["xlsx"] = str(write_calendar_xlsx(plans, args.xlsx))
    if args.ics:
        written["ics"] = [str(f) for f in write_calendar_ics(plans, args.ics)]
    return {"reps": plans, **written}


def _plan_report(project: Any, shares: dict[str, float], tolerance: float) -> dict[str, Any]:
    """Per-territory totals of the plan in use, its balance, contiguity and shapes."""
    from territory_planner.mapping.scenarios import plan_kpis  # noqa: PLC0415

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


def _design(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.edits import AddScenario, UseScenario  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.io.territory_import import read_territories  # noqa: PLC0415
    from territory_planner.mapping.project_design import design_project  # noqa: PLC0415
    from territory_planner.mapping.unit_plan import default_balance, parse_balance  # noqa: PLC0415

    project = load_project(args.project)
    balance = args.balance or default_balance(project)
    areas = read_territories(args.units_file) if args.units_file else None
    outcome = design_project(
        project,
        kind="file" if areas is not None else args.units,
        areas=areas,
        balance=balance,
        k=args.territories,
        tolerance=args.tolerance,
        use_homes=not args.no_homes,
        free_homes=args.free_home,
        name=args.name,
    )
    session = _session(project)
    session.apply(AddScenario(project, outcome.scenario))
    if args.use:
        session.apply(UseScenario(project, outcome.scenario.name))
    if not args.dry_run:
        _save(project, args)
    result = outcome.result
    report = _plan_report(
        _scenario_view(project, outcome.scenario.name), parse_balance(balance), args.tolerance
    )
    return {
        "scenario": outcome.scenario.name,
        "note": outcome.scenario.note,
        "in_use": project.scenario_name,
        "saved": not args.dry_run,
        "balance": balance,
        "tolerance": args.tolerance,
        "units": outcome.units.describe(),
        **report,
        "unit_graph_contiguous": all(result.contiguous),
        "violations": result.violations,
        "seconds": round(result.seconds, 2),
    }


def _change(args: argparse.Namespace) -> dict[str, Any]:
    """`split` and `rebalance`: change the plan by moving units; a new scenario and a move list."""
    from territory_planner.edits import AddScenario, UseScenario  # noqa: PLC0415
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.plan_changes import (  # noqa: PLC0415
        rebalance_project,
        split_project,
    )
    from territory_planner.mapping.unit_plan import default_balance, parse_balance  # noqa: PLC0415

    project = load_project(args.project)
    balance = args.balance or default_balance(project)
    common = {"kind": args.units, "balance": balance, "tolerance": args.tolerance,
              "name": args.name}  # fmt: skip
    if args.command == "split":
        change = split_project(
            project, args.source, rep_id=args.rep, territory_name=args.territory_name, **common
        )
    else:
        change = rebalance_project(project, minimise=args.minimise, **common)
    session = _session(project)
    session.apply(AddScenario(project, change.scenario))
    if args.use:
        session.apply(UseScenario(project, change.scenario.name))
    if not args.dry_run:
        _save(project, args)
    if args.xlsx:
        write_table_xlsx(change.moves, args.xlsx, "Moves")
    report = _plan_report(
        _scenario_view(project, change.scenario.name), parse_balance(balance), args.tolerance
    )
    return {
        "scenario": change.scenario.name,
        "note": change.scenario.note,
        "in_use": project.scenario_name,
        "saved": not args.dry_run,
        "balance": balance,
        "units_moved": change.units_moved,
        "accounts_moved": len(change.moves),
        **_bound_record(change.bound),
        "moves": [_json_record(r) for r in change.moves.head(5000).to_dict("records")],
        **report,
        "violations": change.result.violations,
        "seconds": round(change.result.seconds, 2),
    }


def _bound_record(bound: Any) -> dict[str, Any]:
    """The fewest moves any plan within the band needs (rebalance only; contiguity ignored)."""
    if bound is None:
        return {}
    found = None if bound.found == float("inf") else round(bound.found, 2)
    return {"moved_lower_bound": round(bound.lower, 2), "moved_bound_plan": found,
            "moved_bound_optimal": bound.optimal}  # fmt: skip


def _scenario_view(project: Any, name: str) -> Any:
    from territory_planner.mapping.scenarios import scenario_project  # noqa: PLC0415

    return (
        project
        if name == project.scenario_name
        else scenario_project(project, project.scenario(name))
    )


def _scenarios(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner import edits  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.mapping.scenarios import compare_scenarios  # noqa: PLC0415

    project = load_project(args.project)
    changed: list[edits.Edit] = []
    try:
        if args.copy:
            changed.append(edits.copy_scenario(project, args.copy))
        if args.rename:
            changed.append(edits.RenameScenario(project, *args.rename))
        if args.delete:
            changed.append(edits.DeleteScenario(project, args.delete))
        if args.use:
            changed.append(edits.UseScenario(project, args.use))
        session = _session(project)
        for edit in changed:  # one at a time: each checks the project as the last left it
            session.apply(edit)
        compared = compare_scenarios(project, *args.compare) if args.compare else None
    except KeyError as exc:
        msg = f"no scenario named {exc}; the project has: {', '.join(project.scenario_names())}"
        raise InputError(msg, file=str(args.project)) from exc
    if changed:
        _save(project, args)
    out: dict[str, Any] = {
        "in_use": project.scenario_name,
        "scenarios": [
            {
                "name": plan.name,
                "note": plan.note,
                "in_use": i == 0,
                "territories": len(plan.territories),
            }
            for i, plan in enumerate([project.snapshot(), *project.scenarios])
        ],
        "changed": [edit.label for edit in changed],
    }
    if compared is not None:
        out["compare"] = {
            "a": compared.a,
            "b": compared.b,
            "summary": compared.describe(),
            "territories": [_json_record(r) for r in compared.table.to_dict("records")],
            "moved_accounts": len(compared.moves),
            "moves": [_json_record(r) for r in compared.moves.head(1000).to_dict("records")],
            "totals": {k: [round(a, 2), round(b, 2)] for k, (a, b) in compared.totals.items()},
        }
    return out


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


def _output(parser: argparse.ArgumentParser, flag: str, **options: Any) -> None:
    """Add option `flag` naming a file or folder the command writes (see `_check_outputs`)."""
    action = parser.add_argument(flag, type=Path, **options)
    parser.set_defaults(outputs={**(parser.get_default("outputs") or {}), action.dest: flag})


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output option that names the project file itself.

    Raises
    ------
    InputError
        Naming the option and the file (exit code 1).
    """
    from territory_planner.io.outputs import refuse_project_target  # noqa: PLC0415

    for dest, flag in (getattr(args, "outputs", None) or {}).items():
        target = getattr(args, dest)
        if target is not None:
            refuse_project_target(target, args.project, flag)


def _parser() -> argparse.ArgumentParser:  # noqa: PLR0915 (one statement per option)
    parser = argparse.ArgumentParser(
        prog="territory-planner", description="Territory Planner, headless."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version_text()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, writes: Writes = lambda _args: False
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("project", type=Path, metavar="PROJECT.gpkg")
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.set_defaults(handler=handler, writes=writes)
        return p

    def always(_args: argparse.Namespace) -> bool:
        return True

    def unless_dry_run(args: argparse.Namespace) -> bool:
        return not args.dry_run

    demo = command("demo", _demo, "generate the demo project (reproducible from --seed)", always)
    demo.add_argument("--accounts", type=int, default=1500, metavar="N")
    demo.add_argument("--reps", type=int, default=8, metavar="K")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    command("check", _check, "open a project and report counts and problems")
    territories = command(
        "territories", _territories, "replace the territories with a file's polygons", always
    )
    territories.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE",
                             help="GeoJSON, GeoPackage or Shapefile of polygons")  # fmt: skip
    territories.add_argument("--name-field", metavar="F", help="the attribute with the names")
    assign = command(
        "assign", _assign, "assign accounts to the territories containing them; KPIs", always
    )
    assign.add_argument("--tolerance", type=float, help="set the balance band (0.05 = 5%%)")
    assign.add_argument("--rules", type=Path, metavar="RULES.json", help="set the assignment rules")
    assign.add_argument(
        "--parent-policy", choices=("geographic", "follow_parent"),
        help="divisions stay where geography puts them, or follow the parent",
    )  # fmt: skip
    for name, handler, what in (
        (
            "import",
            _import,
            "import or update accounts from a CSV or XLSX file (creates the project if needed)",
        ),
        (
            "reps",
            _reps,
            "import or update reps from a CSV or XLSX file (creates the project if needed)",
        ),
    ):
        p = command(name, handler, what, always)
        p.add_argument("file", type=Path, metavar="FILE")
        p.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="use column HEADER for FIELD (repeatable); FIELD= un-maps a field",
        )
        p.add_argument("--sheet", help="the sheet of a workbook (default: the first with data)")
        if name == "import":
            p.add_argument(
                "--header-row", type=int, metavar="N", help="1-based row of the column names"
            )
            p.add_argument(
                "--no-fix-swapped", action="store_true", help="do not swap latitude/longitude back"
            )
            p.add_argument(
                "--remove-missing", action="store_true", help="remove accounts not in the file"
            )
            _output(p, "--report", metavar="FILE.csv", help="write rejected rows and warnings")
    actuals = command(
        "import-actuals", _import_actuals,
        "import sales and activities per account and month or quarter (CSV or XLSX)", always,
    )  # fmt: skip
    actuals.add_argument("file", type=Path, metavar="FILE")
    actuals.add_argument(
        "--column", action="append", default=[], metavar="FIELD=HEADER",
        help="use column HEADER for FIELD (account_id period sales calls meetings emails)",
    )  # fmt: skip
    actuals.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                         help="the same, the other way round")  # fmt: skip
    actuals.add_argument("--sheet", help="the sheet of a workbook (default: the first with data)")
    actuals.add_argument("--header-row", type=int, metavar="N", help="1-based row of the names")
    _output(actuals, "--report", metavar="FILE.csv", help="write rejected rows")
    perf = command(
        "performance", _performance,
        "sales to date against quota, run rate, year over year, activities, retention; alerts",
        lambda a: bool(a.threshold or a.goal),
    )  # fmt: skip
    perf.add_argument(
        "--as-of", metavar="YYYY-MM-DD",
        help="default: the end of the latest period with actuals (or today, if earlier)",
    )  # fmt: skip
    perf.add_argument(
        "--threshold", action="append", default=[], metavar="NAME=VALUE",
        help="set an alert threshold and save it (e.g. attainment_below=0.8; VALUE off: none)",
    )  # fmt: skip
    perf.add_argument(
        "--goal", action="append", default=[], metavar="[territory:T:|rep:R:]ACTIVITY=N",
        help="set a yearly activity goal (calls, meetings, emails) and save it",
    )  # fmt: skip
    upsell = command("upsell", _upsell, "accounts whose potential is far above their revenue")
    upsell.add_argument("--min-gap", type=float, default=0.0, metavar="X",
                        help="smallest potential - revenue to list (default 0)")  # fmt: skip
    upsell.add_argument("--max-share", type=float, default=0.5, metavar="F",
                        help="largest share of wallet to list (default 0.5)")  # fmt: skip
    upsell.add_argument("--top", type=int, metavar="N", help="at most N accounts per territory")
    upsell.add_argument("--territory", metavar="T", help="only this territory (ID or name)")
    _output(upsell, "--xlsx", metavar="FILE", help="the list as an Excel sheet")
    segments = command(
        "segments",
        _segments,
        "list, save and delete segments (named filters over accounts)",
        lambda a: bool(a.save or a.delete),
    )
    segments.add_argument("--save", metavar="NAME", help="save a segment of the --where conditions")
    segments.add_argument(
        "--where", action="append", default=[], metavar="CONDITION",
        help="e.g. industry=Healthcare, employees>500, 'industry in Retail,Technology' "
        "(repeatable: every condition must hold)",
    )  # fmt: skip
    segments.add_argument("--delete", metavar="NAME", help="delete a saved segment")
    clusters = command("clusters", _clusters, "geographic clusters of accounts with their totals")
    whitespace = command(
        "whitespace", _whitespace,
        "high-potential accounts outside every territory or far from every rep's home",
    )  # fmt: skip
    for p in (clusters, whitespace):
        p.add_argument("--segment", metavar="NAME", help="only this segment's accounts")
        p.add_argument("--radius-km", type=float, default=25.0, metavar="R",
                       help="accounts this near are neighbours (default 25)")  # fmt: skip
        p.add_argument("--min-accounts", type=int, default=5, metavar="N",
                       help="neighbours that make a cluster's core (default 5)")  # fmt: skip
    whitespace.add_argument("--min-potential", type=float, default=0.0, metavar="X",
                            help="only accounts with at least this potential")  # fmt: skip
    whitespace.add_argument("--far-km", type=float, metavar="K",
                            help="also accounts over K km from every rep's home")  # fmt: skip
    _output(whitespace, "--xlsx", metavar="FILE", help="the list as an Excel sheet")
    heat = command("heatmap", _heatmap, "a numeric attribute added up over hexagons or counties")
    heat.add_argument("--value", default="potential", metavar="COLUMN",
                      help="a numeric account column, or 'accounts' to count them")  # fmt: skip
    heat.add_argument("--by", choices=("hex", "county"), default="hex")
    heat.add_argument("--cell-km", type=float, metavar="K", help="hexagon width (default: auto)")
    heat.add_argument("--stat", choices=("sum", "mean"), default="sum")
    heat.add_argument("--segment", metavar="NAME", help="only this segment's accounts")
    _output(heat, "--geojson", metavar="FILE", help="write the cells as GeoJSON")
    schedule = command("schedule", _schedule, "plan each rep's visit calendar and day routes")
    schedule.add_argument("--rep", action="append", metavar="ID", help="only this rep (repeatable)")
    schedule.add_argument("--weeks", type=int, metavar="N", help="1 to 13 (default: longest cycle)")
    schedule.add_argument("--start", metavar="YYYY-MM-DD", help="first Monday (default: next one)")
    schedule.add_argument(
        "--overtime", action="store_true", help="run days over instead of leaving visits out"
    )
    schedule.add_argument("--lunch", type=float, default=30.0, metavar="MIN", help="lunch break")
    schedule.add_argument("--max-drive", type=float, metavar="H", help="most driving hours a day")
    schedule.add_argument("--days-off", metavar="DATES", help="YYYY-MM-DD,... not to plan")
    schedule.add_argument(
        "--priority", default="potential", metavar="COLUMN",
        help="account column ranking visits when not all fit (default: potential)",
    )  # fmt: skip
    schedule.add_argument(
        "--roads", type=Path, metavar="FILE", help="road network: OpenStreetMap .osm.pbf or GraphML"
    )
    _output(schedule, "--xlsx", metavar="FILE", help="the calendars as Excel")
    _output(schedule, "--ics", metavar="FOLDER", help="one .ics file per rep")
    design = command(
        "design",
        _design,
        "design balanced, contiguous, compact territories as a new scenario",
        unless_dry_run,
    )
    design.add_argument("--units", choices=("state", "county", "zip"), default="county",
                        help="area units to build territories from (default: county)")  # fmt: skip
    design.add_argument(
        "--balance", metavar="TARGET",
        help="accounts, potential, revenue, workload, or a blend such as potential=60,workload=40 "
        "(default: workload when visit frequencies are known, else potential)",
    )  # fmt: skip
    design.add_argument(
        "--units-file", type=Path, metavar="FILE",
        help="build from the polygons of a GeoJSON, GeoPackage or Shapefile instead",
    )  # fmt: skip
    design.add_argument("--territories", type=int, metavar="K", help="default: one per rep")
    design.add_argument("--tolerance", type=float, default=0.05, help="allowed deviation (0.05)")
    design.add_argument("--no-homes", action="store_true", help="do not seed with reps' homes")
    design.add_argument(
        "--free-home", action="append", default=[], metavar="REP_ID",
        help="design this rep's territory without their home in it (repeatable)",
    )  # fmt: skip
    design.add_argument("--name", help="name of the new scenario")
    design.add_argument("--use", action="store_true", help="make the new scenario the plan in use")
    design.add_argument("--dry-run", action="store_true", help="report only; do not save")
    for name, what in (
        ("split", "carve a territory for a new hire out of existing ones, as a new scenario"),
        ("rebalance", "bring territories within tolerance moving the fewest accounts (scenario)"),
    ):
        change = command(name, _change, what, unless_dry_run)
        change.add_argument("--units", choices=("state", "county", "zip"), default="county")
        change.add_argument("--balance", metavar="TARGET", help="as for design")
        change.add_argument("--tolerance", type=float, default=0.05)
        change.add_argument("--name", help="name of the new scenario")
        change.add_argument("--use", action="store_true", help="make it the plan in use")
        change.add_argument("--dry-run", action="store_true", help="report only; do not save")
        _output(change, "--xlsx", metavar="FILE", help="the move list as Excel")
        if name == "split":
            change.add_argument(
                "--from", dest="source", action="append", required=True, metavar="TERRITORY_ID",
                help="a territory to take from (repeat)",
            )  # fmt: skip
            change.add_argument(
                "--rep", metavar="REP_ID", help="the new hire (their home seeds it)"
            )
            change.add_argument("--territory-name", metavar="NAME")
        else:
            change.add_argument("--minimise", choices=("accounts", "potential"), default="accounts",
                                help="what the moves should least disturb")  # fmt: skip
    scenarios = command(
        "scenarios",
        _scenarios,
        "list, copy, rename, delete, use and compare plans",
        lambda a: bool(a.copy or a.rename or a.delete or a.use),
    )
    scenarios.add_argument("--copy", metavar="NAME", help="keep a copy of the plan in use as NAME")
    scenarios.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"))
    scenarios.add_argument("--delete", metavar="NAME")
    scenarios.add_argument("--use", metavar="NAME", help="make NAME the plan in use")
    scenarios.add_argument("--compare", nargs=2, metavar=("A", "B"), help="KPIs and moved accounts")
    export = command(
        "export", _export, "export accounts (CSV, XLSX, GeoJSON, Shapefile) and territories"
    )
    _output(export, "--csv", metavar="FILE", help="accounts with assignment")
    _output(export, "--xlsx", metavar="FILE", help="accounts as an Excel sheet")
    _output(export, "--accounts-geojson", metavar="FILE", help="accounts as points")
    _output(export, "--geojson", metavar="FILE", help="territories with totals")
    _output(export, "--territories-csv", metavar="FILE", help="territory KPIs")
    _output(export, "--shp", metavar="FOLDER", help="accounts.shp and territories.shp")
    return parser


def _print_text(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if isinstance(value, list):
            text = "; ".join(map(str, value)) or "none"
        elif isinstance(value, dict):
            text = ", ".join(f"{k} {v}" for k, v in value.items())
        else:
            text = str(value)
        print(f"{key.replace('_', ' ')}: {text}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _check_outputs(args)
        with _writing(args):
            result = args.handler(args)
    except UsageError as exc:
        parser.error(str(exc))
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_finite(result), allow_nan=False))
    else:
        _print_text(result)
    return 0
