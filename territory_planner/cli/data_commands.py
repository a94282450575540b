"""Commands that bring data in and out and place accounts.

demo, check, import, reps, import-actuals, export, territories, assign, schedule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError
from territory_planner.cli.common import (
    UsageError,
    _assign_words,
    _column_choices,
    _json_record,
    _kpi_record,
    _open_or_new,
    _option_date,
    _save,
    _session,
)
from territory_planner.formats import agree, plural


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
    from territory_planner.analysis.metrics import missing_data, partly_missing  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.plan.home_seeds import staffing_notes  # noqa: PLC0415

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
    acc = project.accounts
    nowhere = int(((acc["lat"] == 0) & (acc["lon"] == 0)).sum())
    if nowhere:
        problems.append(
            f"{plural(nowhere, 'account')} {agree(nowhere, 'sits', 'sit')} at 0, 0 (in the sea "
            "off Africa: a position meaning unknown): import again or place by hand"
        )
    if len(project.territories):  # (before any territory is drawn, no rep has one: no news)
        problems.extend(staffing_notes(project, project.territories))
    invalid = ~project.territories.geometry.is_valid
    if invalid.any():
        bad = int(invalid.sum())
        problems.append(f"{plural(bad, 'territory')} {agree(bad, 'has', 'have')} invalid outlines")
    missing = [*dict.fromkeys(missing_data(project).values()), *partly_missing(project).values()]
    return {
        "project": str(args.project), **project.summary().as_dict(), "problems": problems,
        "missing data": missing,
    }  # fmt: skip


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
    session.run(imported)
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
    session.run(imported)
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
    _session(project).run(imported)
    summary = imported.summary
    _save(project, args)
    if args.report:
        write_report_csv(result.report, args.report)
    return {**result.report.as_dict(), **summary}


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.output_operations import (  # noqa: PLC0415
        TABLE_EXPORTS,
        export_shapefiles,
        export_table,
    )
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    jobs = {key: getattr(args, key) for key in TABLE_EXPORTS if getattr(args, key, None)}
    if not (jobs or args.shp):
        msg = (
            "nothing to export: give --csv, --xlsx, --accounts-geojson, --geojson, "
            "--territories-csv and/or --shp"
        )
        raise UsageError(msg)
    project = load_project(args.project)
    written: dict[str, Any] = {}
    for key, target in jobs.items():
        written[key] = {
            "file": str(target),
            TABLE_EXPORTS[key][1]: export_table(project, key, target),
        }
    if args.shp:
        written["shp"] = {"folder": str(args.shp), **export_shapefiles(project, args.shp)}
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


def _assign(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.analysis.metrics import (  # noqa: PLC0415
        balance_alerts,
        balance_tolerance,
        territory_kpis,
    )
    from territory_planner.app.operations import assign  # noqa: PLC0415
    from territory_planner.geo.coverage import find_gaps, find_overlaps  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.plan.parents import (  # noqa: PLC0415
        policy_setting,
        split_parents_report,
    )
    from territory_planner.plan.rules import parse_rules  # noqa: PLC0415
    from territory_planner.settings import setting_entries  # noqa: PLC0415

    project = load_project(args.project)
    settings: dict[str, str] = {}
    if args.rules:
        try:
            data = json.loads(args.rules.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"cannot read the rules ({exc}); give a JSON list of rules"
            raise InputError(msg, file=str(args.rules)) from exc
        if not isinstance(data, list):
            msg = "the rules are not a list; give a JSON list of rules"
            raise InputError(msg, file=str(args.rules))
        parse_rules(data, project)  # check them before keeping them
        settings.update(setting_entries(rules=tuple(data)))
    if args.parent_policy:
        settings.update(policy_setting(args.parent_policy))
    if args.tolerance is not None:
        settings.update(setting_entries(balance_tolerance=args.tolerance))
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
    tolerance = balance_tolerance(project)
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
        "out_of_balance": sorted({a.name for a in alerts if a.kind != "reach"}),
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
    from territory_planner.app.output_operations import (  # noqa: PLC0415
        CalendarParams,
        visit_calendar,
        write_calendars,
    )
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.routing.calendar_inputs import parse_dates  # noqa: PLC0415
    from territory_planner.routing.travel import load_roads  # noqa: PLC0415

    project = load_project(args.project)
    start = _option_date("--start", args.start)
    staffed = project.territories["rep_id"].dropna().astype(str)
    reps = args.rep or [r for r in project.reps["rep_id"].astype(str) if r in set(staffed)]
    try:
        days_off = parse_dates(args.days_off or "")
    except ValueError as exc:
        msg = f"--days-off: {exc}"
        raise UsageError(msg) from exc
    travel = load_roads(args.roads) if args.roads else None
    plans = []
    for number, rep in enumerate(reps, start=1):  # one rep's travel times in memory at a time
        print(f"planning rep {rep} ({number} of {len(reps)})", file=sys.stderr, flush=True)
        params = CalendarParams(
            rep, args.weeks, start=start, allow_overtime=args.overtime, lunch=args.lunch,
            max_drive=args.max_drive * 60 if args.max_drive else None,
            days_off=tuple(days_off), priority=args.priority, travel=travel,
        )  # fmt: skip
        plans.append(visit_calendar(project, params))
    return {"reps": plans, **write_calendars(plans, xlsx=args.xlsx, ics=args.ics)}
