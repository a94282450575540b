"""Commands that change the plan as scenarios: design, split, rebalance, scenarios."""

from __future__ import annotations

import argparse
from typing import Any

from territory_planner._errors import InputError
from territory_planner.cli.common import (
    _bound_record,
    _json_record,
    _plan_report,
    _save,
    _scenario_view,
    _session,
)


def _keep_scenario(
    project: Any, scenario: Any, args: argparse.Namespace, balance: str
) -> dict[str, Any]:
    """Add the new scenario (and use it if asked) through a session, save unless a dry run.

    Returns the report's first part: the scenario, where it stands, and its KPIs.
    """
    from territory_planner.plan.unit_plan import parse_balance  # noqa: PLC0415
    from territory_planner.scenario_edits import AddScenario, UseScenario  # noqa: PLC0415

    session = _session(project)
    session.apply(AddScenario(project, scenario))
    if args.use:
        session.apply(UseScenario(project, scenario.name))
    if not args.dry_run:
        _save(project, args)
    report = _plan_report(
        _scenario_view(project, scenario.name), parse_balance(balance), args.tolerance
    )
    return {
        "scenario": scenario.name,
        "note": scenario.note,
        "in_use": project.scenario_name,
        "saved": not args.dry_run,
        "balance": balance,
        **report,
    }


def _design(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.io.territory_import import read_territories  # noqa: PLC0415
    from territory_planner.plan.project_design import design_project  # noqa: PLC0415
    from territory_planner.plan.unit_plan import default_balance  # noqa: PLC0415

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
        zip_in=args.zip_in,
        name=args.name,
    )
    result = outcome.result
    return {
        **_keep_scenario(project, outcome.scenario, args, balance),
        "tolerance": args.tolerance,
        "units": outcome.units.describe(),
        "unit_graph_contiguous": all(result.contiguous),
        "violations": result.violations,
        "seconds": round(result.seconds, 2),
    }


def _change(args: argparse.Namespace) -> dict[str, Any]:
    """`split` and `rebalance`: change the plan by moving units; a new scenario and a move list."""
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.plan.plan_changes import (  # noqa: PLC0415
        rebalance_project,
        split_project,
    )
    from territory_planner.plan.unit_plan import default_balance  # noqa: PLC0415

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
    kept = _keep_scenario(project, change.scenario, args, balance)
    if args.xlsx:
        write_table_xlsx(change.moves, args.xlsx, "Moves")
    return {
        **kept,
        "units_moved": change.units_moved,
        "accounts_moved": len(change.moves),
        **_bound_record(change.bound),
        "moves": [_json_record(r) for r in change.moves.head(5000).to_dict("records")],
        "violations": change.result.violations,
        "seconds": round(change.result.seconds, 2),
    }


def _scenarios(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner import scenario_edits  # noqa: PLC0415
    from territory_planner.edits import Edit  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.plan.scenarios import compare_scenarios  # noqa: PLC0415

    project = load_project(args.project)
    changed: list[Edit] = []
    try:
        if args.copy:
            changed.append(scenario_edits.copy_scenario(project, args.copy))
        if args.rename:
            changed.append(scenario_edits.RenameScenario(project, *args.rename))
        if args.delete:
            changed.append(scenario_edits.DeleteScenario(project, args.delete))
        if args.use:
            changed.append(scenario_edits.UseScenario(project, args.use))
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
