"""Exports for other tools: accounts as CSV, territories as GeoJSON."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from territory_planner._errors import InputError
from territory_planner.model import Project

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        msg = f"cannot write the export ({exc.strerror}); choose another folder"
        raise InputError(msg, file=str(path)) from exc


def accounts_with_assignment(project: Project) -> pd.DataFrame:
    """Accounts with their territory's name and rep name added."""
    table = project.territory_table().set_index("territory_id")
    out = project.accounts.copy()
    out["territory"] = out["territory_id"].map(table["name"])
    out["rep"] = out["territory_id"].map(table["rep"])
    return out


def export_accounts_csv(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts (with territory and rep) as UTF-8 CSV; returns the row count."""
    frame = accounts_with_assignment(project)
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    for column in text_columns:
        frame[column] = frame[column].map(neutralise_formula)
    _write_atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    return len(frame)


def export_territories_geojson(project: Project, path: str | os.PathLike[str]) -> int:
    """Write territories with their account totals as GeoJSON; returns the count."""
    table = project.territory_table()
    out = project.territories[["territory_id", "geometry"]].merge(table, on="territory_id")
    _write_atomic(Path(path), lambda tmp: tmp.write_text(out.to_json(), encoding="utf-8"))
    return len(out)
