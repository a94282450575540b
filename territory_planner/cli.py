"""The headless command line: ``territory-planner COMMAND PROJECT.gpkg ...``.

Every command takes the project file first. ``--json`` prints one JSON object
on stdout. Errors go to stderr: exit code 1 for bad input, 2 for usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from territory_planner import __version__
from territory_planner._errors import InputError, PlannerError

Handler = Callable[[argparse.Namespace], dict[str, Any]]


def _demo(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.demo import make_demo  # noqa: PLC0415
    from territory_planner.io.project_file import save_project  # noqa: PLC0415

    project = make_demo(accounts=args.accounts, reps=args.reps, seed=args.seed)
    save_project(project, args.project)
    return {"project": str(args.project), **project.summary().as_dict()}


def _check(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    project = load_project(args.project)
    problems = []
    duplicated = project.accounts["account_id"].duplicated()
    if duplicated.any():
        problems.append(f"{int(duplicated.sum())} duplicate account IDs")
    known_reps = set(project.reps["rep_id"])
    orphans = [t for t in project.territories["rep_id"].dropna() if t not in known_reps]
    if orphans:
        problems.append(f"{len(orphans)} territories name a rep that does not exist")
    invalid = ~project.territories.geometry.is_valid
    if invalid.any():
        problems.append(f"{int(invalid.sum())} territories have invalid outlines")
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
    from territory_planner.io.account_import import (  # noqa: PLC0415
        accounts_after_import,
        read_accounts,
    )
    from territory_planner.io.project_file import save_project  # noqa: PLC0415
    from territory_planner.io.records_import import write_report_csv  # noqa: PLC0415

    columns = _column_choices(args.column)
    project = _open_or_new(args.project)
    result = read_accounts(
        args.file, columns=columns, sheet=args.sheet, header_row=args.header_row,
        fix_swapped=not args.no_fix_swapped,
    )  # fmt: skip
    merged, summary = accounts_after_import(project, result, remove_missing=args.remove_missing)
    project.accounts = merged
    save_project(project, args.project)
    if args.report:
        write_report_csv(result.report, args.report)
    out = result.report.as_dict()
    out.update({k: v for k, v in summary.items() if not k.endswith("_ids")})
    out["project_accounts"] = len(merged)
    return out


def _reps(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import save_project  # noqa: PLC0415
    from territory_planner.io.rep_import import merge_reps, read_reps  # noqa: PLC0415

    project = _open_or_new(args.project)
    reps, report = read_reps(args.file, columns=_column_choices(args.column), sheet=args.sheet)
    project.reps, added, updated = merge_reps(project.reps, reps)
    save_project(project, args.project)
    return {
        **report.as_dict(),
        "added": added,
        "updated": updated,
        "project_reps": len(project.reps),
    }


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
    from territory_planner.io.project_file import save_project  # noqa: PLC0415
    from territory_planner.io.territory_import import read_territories  # noqa: PLC0415

    project = _open_or_new(args.project)
    territories = read_territories(args.source, args.name_field)
    edit = replace_territories(project, territories, args.source.name)
    edit.apply(project)
    save_project(project, args.project)
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
    from territory_planner.io.project_file import load_project, save_project  # noqa: PLC0415
    from territory_planner.mapping.assign import assign_accounts  # noqa: PLC0415
    from territory_planner.mapping.coverage import find_gaps, find_overlaps  # noqa: PLC0415
    from territory_planner.mapping.metrics import (  # noqa: PLC0415
        balance_alerts,
        territory_kpis,
    )
    from territory_planner.mapping.parents import (  # noqa: PLC0415
        policy_setting,
        split_parents_report,
    )
    from territory_planner.mapping.rules import (  # noqa: PLC0415
        SETTINGS_KEY,
        parse_rules,
        reassign,
    )

    project = load_project(args.project)
    if args.rules:
        try:
            data = json.loads(args.rules.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"cannot read the rules ({exc}); give a JSON list of rules"
            raise InputError(msg, file=str(args.rules)) from exc
        parse_rules(data, project)  # check them before keeping them
        project.settings[SETTINGS_KEY] = json.dumps(data)
    if args.parent_policy:
        project.settings.update(policy_setting(args.parent_policy))
    if args.tolerance is not None:
        project.settings["balance_tolerance"] = repr(args.tolerance)
    geography = assign_accounts(project.accounts, project.territories)
    before = project.accounts["territory_id"].fillna("").to_numpy()
    result = reassign(project, geography=geography)
    project.accounts = result.accounts
    save_project(project, args.project)
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
        "locked": geography.locked,
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
        days_off = [date.fromisoformat(d.strip()) for d in (args.days_off or "").split(",") if d]
    except ValueError as exc:
        msg = f"--days-off {args.days_off}: give dates as YYYY-MM-DD, separated by commas"
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
    plans = [
        schedule_record(build_schedule(project, rep, args.weeks, **options), project.accounts)
        for rep in reps
    ]
    written: dict[str, Any] = {}
    if args.xlsx:
        written["xlsx"] = str(write_calendar_xlsx(plans, args.xlsx))
    if args.ics:
        written["ics"] = [str(f) for f in write_calendar_ics(plans, args.ics)]
    return {"reps": plans, **written}


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="territory-planner", description="Territory Planner, headless."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("project", type=Path, metavar="PROJECT.gpkg")
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.set_defaults(handler=handler)
        return p

    demo = command("demo", _demo, "generate the demo project (reproducible from --seed)")
    demo.add_argument("--accounts", type=int, default=1500, metavar="N")
    demo.add_argument("--reps", type=int, default=8, metavar="K")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    command("check", _check, "open a project and report counts and problems")
    territories = command(
        "territories", _territories, "replace the territories with a file's polygons"
    )
    territories.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE",
                             help="GeoJSON, GeoPackage or Shapefile of polygons")  # fmt: skip
    territories.add_argument("--name-field", metavar="F", help="the attribute with the names")
    assign = command("assign", _assign, "assign accounts to the territories containing them; KPIs")
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
        p = command(name, handler, what)
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
            p.add_argument(
                "--report", type=Path, metavar="FILE.csv", help="write rejected rows and warnings"
            )
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
    schedule.add_argument("--xlsx", type=Path, metavar="FILE", help="the calendars as Excel")
    schedule.add_argument("--ics", type=Path, metavar="FOLDER", help="one .ics file per rep")
    export = command(
        "export", _export, "export accounts (CSV, XLSX, GeoJSON, Shapefile) and territories"
    )
    export.add_argument("--csv", type=Path, metavar="FILE", help="accounts with assignment")
    export.add_argument("--xlsx", type=Path, metavar="FILE", help="accounts as an Excel sheet")
    export.add_argument("--accounts-geojson", type=Path, metavar="FILE", help="accounts as points")
    export.add_argument("--geojson", type=Path, metavar="FILE", help="territories with totals")
    export.add_argument("--territories-csv", type=Path, metavar="FILE", help="territory KPIs")
    export.add_argument(
        "--shp", type=Path, metavar="FOLDER", help="accounts.shp and territories.shp"
    )
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
        result = args.handler(args)
    except UsageError as exc:
        parser.error(str(exc))
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        _print_text(result)
    return 0
