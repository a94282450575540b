"""The command line's options: one sub-command per capability, each with its handler."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from territory_planner.bundle import version_text
from territory_planner.cli.common import Handler, Writes
from territory_planner.cli.data_commands import (
    _assign,
    _check,
    _demo,
    _export,
    _import,
    _import_actuals,
    _reps,
    _schedule,
    _territories,
)
from territory_planner.cli.market_commands import (
    _clusters,
    _heatmap,
    _performance,
    _segments,
    _upsell,
    _whitespace,
)
from territory_planner.cli.plan_commands import _change, _design, _scenarios

Number = TypeVar("Number", int, float)


def _output(parser: argparse.ArgumentParser, flag: str, **options: Any) -> None:
    """Add option `flag` naming a file or folder the command writes (see `_check_outputs`)."""
    action = parser.add_argument(flag, type=Path, **options)
    parser.set_defaults(outputs={**(parser.get_default("outputs") or {}), action.dest: flag})


def _number(
    convert: Callable[[str], Number], valid: Callable[[Number], bool], words: str
) -> Callable[[str], Number]:
    """An option's type: `convert` the text, refused (a usage error) unless `valid`."""

    def parse(text: str) -> Number:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not valid(value):
            msg = f"{text!r} {words}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


#: A tolerance: a finite fraction, 0 or more; a number of territories: 1 or more.
_band = _number(
    float,
    lambda v: math.isfinite(v) and v >= 0,
    "is not a tolerance: give a fraction of 0 or more, e.g. 0.05 for ±5%",
)
_count = _number(int, lambda v: v >= 1, "territories: give a whole number, 1 or more")


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
    assign.add_argument("--tolerance", type=_band, help="set the balance band (0.05 = 5%%)")
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
        "(default: workload when visit frequencies are known, unless accounts beyond a day "
        "trip from their nearest rep carry a quarter of its hours; else potential, else accounts)",
    )  # fmt: skip
    design.add_argument(
        "--units-file", type=Path, metavar="FILE",
        help="build from the polygons of a GeoJSON, GeoPackage or Shapefile instead",
    )  # fmt: skip
    design.add_argument("--territories", type=_count, metavar="K", help="default: one per rep")
    design.add_argument("--tolerance", type=_band, default=0.05, help="allowed deviation (0.05)")
    design.add_argument("--no-homes", action="store_true", help="do not seed with reps' homes")
    design.add_argument(
        "--free-home", action="append", default=[], metavar="REP_ID",
        help="design this rep's territory without their home in it (repeatable)",
    )  # fmt: skip
    design.add_argument(
        "--zip-in", action="append", default=[], metavar="FIPS",
        help="with county units: make this county of its ZIP areas (repeatable), e.g. 36061",
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
        change.add_argument("--tolerance", type=_band, default=0.05)
        change.add_argument("--name", help="name of the new scenario")
        change.add_argument("--use", action="store_true", help="make it the plan in use")
        change.add_argument("--dry-run", action="store_true", help="report only; do not save")
        _output(change, "--xlsx", metavar="FILE", help="the move list as Excel")
        change.add_argument(
            "--zip-in", action="append", default=[], metavar="FIPS",
            help="with county units: move this county as its ZIP areas (repeatable)",
        )  # fmt: skip
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
            change.add_argument(
                "--allow-far", action="store_true",
                help="let accounts go to reps beyond a day trip from them (nights away)",
            )  # fmt: skip
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
