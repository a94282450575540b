"""The headless command line: ``territory-planner COMMAND PROJECT.gpkg ...``.

Every command takes the project file first. ``--json`` prints one JSON object
on stdout. Errors go to stderr: exit code 1 for bad input, 2 for usage; so does
the progress of long commands (``schedule``: a line per rep).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from territory_planner._errors import PlannerError
from territory_planner.cli.common import UsageError, _finite, _writing
from territory_planner.cli.parser import _check_outputs, _parser


def _print_text(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if value and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            _print_rows(key, value)
            continue
        if isinstance(value, list):
            text = "; ".join(map(str, value)) or "none"
        elif isinstance(value, dict):
            text = ", ".join(f"{k} {_unknown(v)}" for k, v in value.items())
        else:
            text = _unknown(value)
        print(f"{key.replace('_', ' ')}: {text}")


def _print_rows(key: str, rows: list[dict[str, Any]]) -> None:
    """A list of records (moves, territories): their count, then one line each, the first few."""
    print(f"{key.replace('_', ' ')}: {len(rows):,}")
    for row in rows[:_ROWS_SHOWN]:
        print("  " + ", ".join(f"{k} {_unknown(v)}" for k, v in row.items()))
    if len(rows) > _ROWS_SHOWN:
        print(f"  ... and {len(rows) - _ROWS_SHOWN:,} more (--json, or --xlsx where offered)")


_ROWS_SHOWN = 20  # records printed in the text output (all of them with --json)


def _unknown(value: Any) -> str:
    """A value as text, "—" where it is not known (a column the project does not have)."""
    return "—" if value is None else str(value)


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
