"""Split ``territory_planner/mapping`` into its subsystem packages, and rewrite the imports.

Issue 16: ``mapping/`` held four subsystems. This script moves each module to its
package (``git mv``, so history follows) and rewrites every reference to the old
names in the files it is given, or in every ``.py``, ``.md`` and ``.spec`` file of the
repository when given none:

- ``territory_planner.mapping.X`` -> ``territory_planner.<package>.X``
- ``from territory_planner.mapping import X`` -> ``from territory_planner.<package> import X``
- ``mapping.X`` (in docstrings and comments) -> ``<package>.X``; ``mapping/X`` -> ``<package>/X``
- ``from territory_planner.geo import NAME`` -> ``from territory_planner.geo.earth import NAME``
  (``geo.py`` became ``geo/earth.py``)
- names that moved when the import cycles were broken (`MOVED`): the conditions from
  ``plan.rules`` to ``analysis.conditions``, ``save_segment`` / ``delete_segment`` from the market
  modules to ``segment_edits`` (``market.save_segment(`` too), ``GEOD`` to ``geo.earth``

It is idempotent: run it again after merging a branch that still says ``mapping``
(``python scripts/dev/rename_mapping.py``), then ``ruff check --fix`` (import order) and
``ruff format``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "territory_planner"

#: Where each module of ``mapping/`` lives now (a package, or "" for a top-level module).
HOMES = {
    **dict.fromkeys(
        (
            "areas", "assign", "coverage", "geocode", "point_index", "topojson", "unit_graph",
            "units", "zip_areas",
        ),
        "geo",
    ),
    **dict.fromkeys(
        (
            "allocation", "balance_reasons", "design", "design_plan", "new_hire", "parents",
            "plan_changes", "project_design", "rebalance", "rebalance_shifts",
            "rebalance_steps", "recombine", "rules", "scenarios", "split", "unit_plan",
        ),
        "plan",
    ),
    **dict.fromkeys(
        (
            "market", "market_clusters", "market_heat", "market_segments", "metrics",
            "performance", "sales_trend",
        ),
        "analysis",
    ),
    **dict.fromkeys(("events", "map_page", "map_updates", "overview"), "mapview"),
    "colors": "",
}  # fmt: skip

DOCSTRINGS = {
    "geo": "Geometry: the Earth, area units and their adjacency, point index, geocoding, coverage.",
    "plan": "Territory engines: rules and assignment, design, split, rebalance, scenarios.",
    "analysis": "Analysis: KPIs and workload, quotas, performance, the market view.",
    "mapview": "The map page (folium) and its incremental updates, without Qt.",
}

#: The names of the old ``territory_planner/geo.py``, now ``geo/earth.py``.
EARTH_NAMES = (
    "EARTH_RADIUS_KM", "KM_PER_DEGREE", "Radians", "radians", "haversine_radians_km",
    "haversine_km",
)  # fmt: skip
_CONDITIONS = "territory_planner.analysis.conditions"
_CONDITION_NAMES = ("OPERATORS", "SEGMENT_FIELD", "Condition", "describe_condition")
_SEGMENT_EDITS = dict.fromkeys(
    ("save_segment", "delete_segment"), "territory_planner.segment_edits"
)
#: Names that left a module: {old module: {name: new module}}.
MOVED = {
    "territory_planner.geo": dict.fromkeys(EARTH_NAMES, "territory_planner.geo.earth"),
    "territory_planner.plan.rules": dict.fromkeys(_CONDITION_NAMES, _CONDITIONS),
    "territory_planner.analysis.market": _SEGMENT_EDITS,
    "territory_planner.analysis.market_segments": {
        **_SEGMENT_EDITS,
        **dict.fromkeys((*_CONDITION_NAMES, "parse_condition"), _CONDITIONS),
    },
    "territory_planner.analysis.metrics": {"GEOD": "territory_planner.geo.earth"},
}

_NAMES = "|".join(sorted(HOMES, key=len, reverse=True))
_DOTTED = re.compile(rf"territory_planner\.mapping\.({_NAMES})\b")
_FROM = re.compile(
    r"^(?P<indent>[ \t]*)from territory_planner\.mapping import "
    r"(?P<names>\([^)]*\)|[^\n#]*?)(?P<comment>[ \t]*#[^\n]*)?$",
    re.M,
)
_BARE = re.compile(rf"(?<![\w./])mapping\.({_NAMES})\b")
_PATH = re.compile(rf"(?<![\w.])(territory_planner/)?mapping/({_NAMES})\b")
_SEGMENT_CALL = re.compile(r"(?<![\w.])market\.(save_segment|delete_segment)\b")
_MARKET_IMPORT = re.compile(r"^([ \t]*)from territory_planner\.analysis import market\b.*$", re.M)


def _from_pattern(module: str) -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<indent>[ \t]*)from {re.escape(module)} import "
        r"(?P<names>\([^)]*\)|[^\n#(]*?)(?P<comment>[ \t]*#[^\n]*)?$",
        re.M,
    )


def _dotted(name: str) -> str:
    home = HOMES[name]
    return f"territory_planner.{home}.{name}" if home else f"territory_planner.{name}"


def _from_line(match: re.Match[str]) -> str:
    indent, comment = match["indent"], match["comment"] or ""
    names = [n.strip() for n in match["names"].strip("()").replace("\n", " ").split(",")]
    lines = []
    for entry in filter(None, names):
        module = entry.split()[0]
        if module not in HOMES:
            return match[0]  # not a module of mapping/: leave it for a human
        home = HOMES[module]
        source = f"territory_planner.{home}" if home else "territory_planner"
        lines.append(f"{indent}from {source} import {entry}{comment}")
    return "\n".join(lines)


def _path(match: re.Match[str]) -> str:
    prefix, name = match[1] or "", match[2]
    home = HOMES[name]
    return f"{prefix}{home}/{name}" if home else f"{prefix}{name}"


def _moved(module: str, match: re.Match[str]) -> str:
    """One ``from module import ...`` split by where each name lives now."""
    indent, comment = match["indent"], match["comment"] or ""
    names = [n.strip() for n in match["names"].strip("()").replace("\n", " ").split(",")]
    groups: dict[str, list[str]] = {}
    for entry in filter(None, names):
        groups.setdefault(MOVED[module].get(entry.split()[0], module), []).append(entry)
    if list(groups) == [module]:
        return match[0]
    return "\n".join(
        f"{indent}from {source} import {', '.join(entries)}{comment}"
        for source, entries in groups.items()
    )


def _segment_calls(text: str) -> str:
    new = _SEGMENT_CALL.sub(r"segment_edits.\1", text)
    if new == text or "import segment_edits" in new:
        return new
    return _MARKET_IMPORT.sub(
        lambda m: (
            f"{m[0]}\n{m[1]}from territory_planner import segment_edits"
            + ("  # noqa: PLC0415" if m[1] else "")
        ),
        new,
        count=1,
    )


def rewrite(text: str) -> str:
    """The text with every old name replaced by the new one."""
    text = _FROM.sub(_from_line, text)
    text = _DOTTED.sub(lambda m: _dotted(m[1]), text)
    for module in MOVED:
        text = _from_pattern(module).sub(partial(_moved, module), text)
    text = _segment_calls(text)
    text = _BARE.sub(lambda m: f"{HOMES[m[1]]}.{m[1]}" if HOMES[m[1]] else m[1], text)
    return _PATH.sub(_path, text)


def _git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def move_modules() -> None:
    """``git mv`` each module of ``mapping/`` to its package (nothing when already done)."""
    old = PACKAGE / "mapping"
    if not old.exists():
        return
    for home, doc in DOCSTRINGS.items():
        init = PACKAGE / home / "__init__.py"
        if not init.exists():
            init.parent.mkdir(exist_ok=True)
            init.write_text(f'"""{doc}"""\n')
            _git("add", str(init))
    if (PACKAGE / "geo.py").exists():
        _git("mv", "territory_planner/geo.py", "territory_planner/geo/earth.py")
    for name, home in HOMES.items():
        source = old / f"{name}.py"
        if source.exists():
            target = (
                f"territory_planner/{home}/{name}.py" if home else f"territory_planner/{name}.py"
            )
            _git("mv", f"territory_planner/mapping/{name}.py", target)
    leftovers = [p for p in old.iterdir() if p.name not in {"__init__.py", "__pycache__"}]
    if leftovers:
        sys.exit(f"mapping/ still holds {', '.join(p.name for p in leftovers)}: give them a home")
    _git("rm", "-q", "territory_planner/mapping/__init__.py")
    for cache in old.glob("__pycache__/*"):
        cache.unlink()
    for directory in (old / "__pycache__", old):
        if directory.exists():
            directory.rmdir()


def _files(arguments: list[str]) -> list[Path]:
    if arguments:
        return [Path(a).resolve() for a in arguments]
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.spec"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).exists()]


def main(arguments: list[str]) -> None:
    """Move the modules, then rewrite the given files (or the repository's)."""
    move_modules()
    this = Path(__file__).resolve()
    for path in _files(arguments):
        if path == this:
            continue
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
