"""Commands that change the plan as scenarios: design, split, rebalance, scenarios."""

from __future__ import annotations

import argparse
from typing import Any

from territory_planner._errors import InputError
from territory_planner.cli.common import (
    UsageError,
    _bound_record,
    _json_record,
    _plan_report,
    _save,
    _scenario_view,
    _session,
)


def _keep_scenario(
    project: Any, made: Any, args: argparse.Namespace, balance: str
) -> dict[str, Any]:
    """Keep the new scenario (and use it if asked) through a session, save unless a dry run.

    `made` is the operation that made it (`app.plan_operations`). Returns the report's
    first part: the scenario, where it stands, and its KPIs.
    """
    from territory_planner.app.plan_operations import use_scenario  # noqa: PLC0415
    from territory_planner.plan.unit_plan import parse_balance  # noqa: PLC0415

    scenario = made.found.scenario
    session = _session(project)
    session.run(made)
    if args.use:
        session.run(use_scenario(project, scenario.name))
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


def _balance(project: Any, args: argparse.Namespace) -> tuple[str, str]:
    """The balance target asked for, else the project's default and why it is not workload.

    The second is "" where the target was asked for, or the default is workload (or
    frequencies are unknown): `default_balance.workload_passed_over`.
    """
    from territory_planner.plan.default_balance import (  # noqa: PLC0415
        default_balance,
        workload_passed_over,
    )

    if args.balance:
        return args.balance, ""
    why = workload_passed_over(project)
    return default_balance(project, why), why


def _design(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app.plan_operations import DesignParams, design  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    _zip_in_needs_counties(args)
    project = load_project(args.project)
    balance, why = _balance(project, args)
    params = DesignParams(
        kind="file" if args.units_file else args.units, balance=balance, k=args.territories,
        tolerance=args.tolerance, use_homes=not args.no_homes, name=_given_name(args),
        areas_file=args.units_file, free_homes=tuple(args.free_home), zip_in=tuple(args.zip_in),
    )  # fmt: skip
    made = design(project, params)
    outcome = made.found
    result = outcome.result
    return {
        **_keep_scenario(project, made, args, balance),
        **({"balance_note": why} if why else {}),
        "tolerance": args.tolerance,
        "units": outcome.units.describe(),
        "unit_graph_contiguous": all(result.contiguous),
        "violations": result.violations,
        "try": [f"{fix.label}: {_flags(fix)}" for fix in outcome.fixes],
        "seconds": round(result.seconds, 2),
    }


def _given_name(args: argparse.Namespace) -> str | None:
    """The --name asked for; None (the default name) when none or a blank one, as in the app."""
    return (args.name or "").strip() or None


def _zip_in_needs_counties(args: argparse.Namespace) -> None:
    """Refuse --zip-in with units other than counties (it would be ignored)."""
    if args.zip_in and (args.units != "county" or getattr(args, "units_file", None)):
        msg = "--zip-in makes counties of their ZIP areas: use it with --units county"
        raise UsageError(msg)


def _flags(fix: Any) -> str:
    """The `design` options that make a fix (a `balance_reasons.DesignFix`)."""
    parts = []
    if fix.kind:
        parts.append(f"--units {fix.kind}")
    if fix.tolerance is not None:
        parts.append(f"--tolerance {fix.tolerance:g}")
    if fix.use_homes is False:
        parts.append("--no-homes")
    if fix.free_home:
        parts.append(f"--free-home {fix.free_home}")
    parts.extend(f"--zip-in {fips}" for fips in fix.zip_in or ())
    if fix.balance:
        parts.append(f"--balance {fix.balance}")
    return " ".join(parts)


def _change(args: argparse.Namespace) -> dict[str, Any]:
    """`split` and `rebalance`: change the plan by moving units; a new scenario and a move list."""
    from territory_planner.app.plan_operations import (  # noqa: PLC0415
        ChangeParams,
        rebalance,
        split,
    )
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    _zip_in_needs_counties(args)
    project = load_project(args.project)
    balance, why = _balance(project, args)
    if args.command == "split":
        params = ChangeParams(
            kind=args.units, balance=balance, tolerance=args.tolerance,
            sources=tuple(args.source), rep_id=args.rep, territory_name=args.territory_name,
            name=_given_name(args), zip_in=tuple(args.zip_in),
        )  # fmt: skip
        made = split(project, params)
    else:
        params = ChangeParams(
            kind=args.units, balance=balance, tolerance=args.tolerance,
            minimise=args.minimise, name=_given_name(args), reach=not args.allow_far,
            zip_in=tuple(args.zip_in),
        )  # fmt: skip
        made = rebalance(project, params)
    change = made.found
    kept = _keep_scenario(project, made, args, balance)
    if args.xlsx:
        write_table_xlsx(change.moves, args.xlsx, "Moves")
    return {
        **kept,
        **({"balance_note": why} if why else {}),
        "units_moved": change.units_moved,
        "accounts_moved": len(change.moves),
        **_share_record(change.result.share_deviation),
        **_bound_record(change),
        "moves": [_json_record(r) for r in change.moves.head(5000).to_dict("records")],
        "violations": change.result.violations,
        "try": [f"{fix.label}: {_flags(fix)}" for fix in change.fixes],
        "seconds": round(change.result.seconds, 2),
    }


def _share_record(share: float | None) -> dict[str, Any]:
    """A split's deviation from the equal share of its sources, when that is not the mean."""
    return {} if share is None else {"share_deviation": round(share, 6)}


def _scenarios(args: argparse.Namespace) -> dict[str, Any]:
    from territory_planner.app import plan_operations as ops  # noqa: PLC0415
    from territory_planner.edits import Edit  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415
    from territory_planner.plan.scenarios import compare_scenarios  # noqa: PLC0415

    project = load_project(args.project)
    changed: list[Edit] = []
    try:
        if args.copy:
            changed.append(ops.copy_plan(project, args.copy).edit)
        if args.rename:
            changed.append(ops.rename_scenario(project, *args.rename).edit)
        if args.delete:
            changed.append(ops.delete_scenario(project, args.delete).edit)
        if args.use:
            changed.append(ops.use_scenario(project, args.use).edit)
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
