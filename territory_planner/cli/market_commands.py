"""Commands about performance and the market.

performance, upsell, segments, clusters, whitespace, heatmap.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from territory_planner.cli.common import (
    UsageError,
    _json_record,
    _kpi_record,
    _option_date,
    _rep_by_id_or_name,
    _save,
    _session,
    _territory_by_id_or_name,
)


def _goal_settings(project: Any, specs: list[str]) -> dict[str, str]:
    """The project's goal settings with ``[territory:T:|rep:R:]ACTIVITY=N`` goals set."""
    from territory_planner.analysis.performance_settings import ActivityGoals  # noqa: PLC0415

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

    from territory_planner.analysis.performance import performance  # noqa: PLC0415
    from territory_planner.analysis.performance_alerts import alerts  # noqa: PLC0415
    from territory_planner.analysis.performance_settings import (  # noqa: PLC0415
        ActivityGoals,
        Thresholds,
        parse_threshold,
    )
    from territory_planner.edits import ChangeSettings  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    as_of = _option_date("--as-of", args.as_of)
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
    from territory_planner.analysis.upsell import upsell_list, upsell_summary  # noqa: PLC0415
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

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
    from territory_planner import segment_edits  # noqa: PLC0415
    from territory_planner.analysis import market  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

    if args.where and not args.save:
        msg = "--where needs --save NAME (the segment the conditions make)"
        raise UsageError(msg)
    project = load_project(args.project)
    session = _session(project)
    changed = []
    if args.save:
        conditions = tuple(market.parse_condition(text) for text in args.where)
        changed.append(segment_edits.save_segment(project, market.Segment(args.save, conditions)))
        session.apply(changed[-1])
    if args.delete:
        changed.append(segment_edits.delete_segment(project, args.delete))
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
    from territory_planner.analysis.market import find_clusters, find_segment  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

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
    from territory_planner.analysis.market import find_segment, whitespace  # noqa: PLC0415
    from territory_planner.io.export import write_table_xlsx  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

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
    from territory_planner.analysis.market import find_segment, heat_map  # noqa: PLC0415
    from territory_planner.io.export import write_atomic  # noqa: PLC0415
    from territory_planner.io.project_file import load_project  # noqa: PLC0415

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
