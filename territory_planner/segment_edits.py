"""Saving and deleting a market segment: undoable edits of the project setting that keeps them."""

from __future__ import annotations

from collections.abc import Iterable

from territory_planner._errors import InputError
from territory_planner.analysis.conditions import OPERATORS, SEGMENT_FIELD, Condition
from territory_planner.analysis.market_segments import (
    Segment,
    find_segment,
    saved_segments,
    segment_mask,
    segments_setting,
)
from territory_planner.edits import ChangeSettings
from territory_planner.formats import plural
from territory_planner.model import Project, rule_records


def _check_segment(project: Project, segment: Segment) -> Segment:
    name = segment.name.strip()
    if not name:
        msg = "give the segment a name"
        raise InputError(msg)
    checked = Segment(name, segment.conditions)
    for condition in checked.conditions:
        if condition.op not in OPERATORS:
            msg = f"segment '{name}': '{condition.op}' is not one of {', '.join(OPERATORS)}"
            raise InputError(msg)
        if condition.op in {">", ">=", "<", "<="}:
            try:
                float(condition.value)
            except (TypeError, ValueError) as exc:
                msg = f"segment '{name}': {condition.field} {condition.op} needs a number"
                raise InputError(msg) from exc
    segment_mask(project, checked)  # fields exist?
    return checked


def save_segment(project: Project, segment: Segment) -> ChangeSettings:
    """The undoable edit that saves a segment (replacing a saved one of the same name).

    Parameters
    ----------
    project
        The project (its accounts and saved segments).
    segment
        The segment to save (surrounding spaces dropped from its name).

    Returns
    -------
    ChangeSettings
        The edit of the project's segments setting.

    Raises
    ------
    InputError
        When it has no name, a condition names a column the accounts do not
        have, or compares a field with something that is not a number.
    """
    segment = _check_segment(project, segment)
    segments = saved_segments(project)
    names = [s.name for s in segments]
    count = int(segment_mask(project, segment).sum())
    if segment.name in names:
        segments[names.index(segment.name)] = segment
        verb = "Changed"
    else:
        segments.append(segment)
        verb = "Saved"
    text = f"{verb} segment '{segment.name}': {segment.describe()} ({plural(count, 'account')})"
    return ChangeSettings(project, segments_setting(segments), text)


def delete_segment(project: Project, name: str) -> ChangeSettings:
    """The undoable edit that deletes a saved segment.

    Parameters
    ----------
    project
        The project.
    name
        The segment's name (matched as `find_segment` does).

    Returns
    -------
    ChangeSettings
        The edit of the project's segments setting.

    Raises
    ------
    InputError
        When there is no such segment, or a rule or another segment uses it.
    """
    segment = find_segment(project, name)
    users = [
        f"segment '{s.name}'" for s in saved_segments(project) if _uses(s.conditions, segment.name)
    ]
    rules = rule_records(project)
    users += [
        f"rule '{r.get('name', '')}'"
        for r in rules
        if _uses([Condition(*c) for c in r.get("when", []) if len(c) == 3], segment.name)  # noqa: PLR2004
    ]
    if users:
        msg = f"segment '{segment.name}' is used by {', '.join(users)}; change them first"
        raise InputError(msg)
    rest = [s for s in saved_segments(project) if s.name != segment.name]
    return ChangeSettings(project, segments_setting(rest), f"Deleted segment '{segment.name}'")


def _uses(conditions: Iterable[Condition], name: str) -> bool:
    for c in conditions:
        if c.field != SEGMENT_FIELD:
            continue
        values = c.value if isinstance(c.value, list | tuple) else [c.value]
        if any(str(v).strip().casefold() == name.casefold() for v in values):
            return True
    return False
