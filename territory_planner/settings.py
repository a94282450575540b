"""The project's plan settings, typed: the one reader and writer of `Project.settings` keys.

A project keeps its settings as text (``dict[str, str]``, saved as JSON in the
GeoPackage). `read_settings` turns them into a `PlanSettings` of typed values with
their defaults, and `settings_entries` turns chosen fields back into the text entries
that `edits.ChangeSettings` stores (so each change stays one undo step and one line of
the change log). The change log itself, long and never undone, has its own pair:
`read_change_log` and `change_log_entry`.

The stored text is what earlier versions saved: numbers as Python writes a float
(``repr``), an unset quota target or an alert that is off as an empty value, the
rules and segments as JSON lists, the activity goals as a JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from territory_planner._errors import InputError

#: The name of the plan in use when the project has never named it.
DEFAULT_SCENARIO = "Current plan"
#: The balance band when the project has none (0.05 = within 5% of the mean).
DEFAULT_TOLERANCE = 0.05
#: The activity counts an actuals import may carry (and that goals can be set for).
ACTIVITIES = ("calls", "meetings", "emails")
GEOGRAPHIC = "geographic"
FOLLOW_PARENT = "follow_parent"
#: Every parent policy, in the order a UI should offer them.
PARENT_POLICIES = (GEOGRAPHIC, FOLLOW_PARENT)
#: Settings of the performance alerts are this prefix and the threshold's name.
ALERT_PREFIX = "alert_"
#: Settings key of the project's change log (every edit in words, kept across sessions).
CHANGE_LOG_KEY = "change_log"

GoalTable = Mapping[str, float]  # activity -> yearly goal


@dataclass(frozen=True)
class PlanSettings:
    """A project's settings as typed values (defaults for what was never set).

    Each field is stored under the key of its name, but `alerts` (one key per
    threshold, ``alert_<name>``) and the three goal tables (one JSON object under
    ``activity_goals``).

    Attributes
    ----------
    scenario, scenario_note
        The name of the plan in use and how it was made.
    balance_tolerance
        The balance band as a fraction (0.05 = within 5% of the mean).
    quota_target, quota_potential_weight, quota_growth
        The quota plan: the team target (None: last year's sales grown by
        `quota_growth`) and the share of it split by potential.
    parent_policy
        One of `PARENT_POLICIES`.
    rules, segments
        The assignment rules and the saved market segments, as records (JSON
        objects) in order; `plan.rules` and `analysis.market_segments` read them.
    alerts
        Threshold name -> value (None: off), for the thresholds stored.
    goals_default, goals_territories, goals_reps
        The yearly activity goals: for every territory, per territory ID, per rep ID.
    """

    scenario: str = DEFAULT_SCENARIO
    scenario_note: str = ""
    balance_tolerance: float = DEFAULT_TOLERANCE
    quota_target: float | None = None
    quota_potential_weight: float = 0.5
    quota_growth: float = 0.05
    parent_policy: str = GEOGRAPHIC
    rules: tuple[Any, ...] = ()
    segments: tuple[Any, ...] = ()
    alerts: Mapping[str, float | None] = field(default_factory=dict)
    goals_default: GoalTable = field(default_factory=dict)
    goals_territories: Mapping[str, GoalTable] = field(default_factory=dict)
    goals_reps: Mapping[str, GoalTable] = field(default_factory=dict)


#: The fields stored together, as one JSON object, under `GOALS_KEY`.
GOAL_FIELDS = ("goals_default", "goals_territories", "goals_reps")
#: Settings key of the activity goals.
GOALS_KEY = "activity_goals"
FIELD_NAMES = frozenset(f.name for f in fields(PlanSettings))


def _optional_number(text: str) -> float | None:
    return float(text) if text else None


def _records(text: str, what: str, *, strict: bool) -> tuple[Any, ...]:
    data = json.loads(text or "[]")
    if isinstance(data, list):
        return tuple(data)
    if strict:
        msg = f"the project's {what} are not a list; save them again"
        raise InputError(msg)
    return ()


def _rules(text: str) -> tuple[Any, ...]:
    return _records(text, "rules", strict=False)  # not a list: none, as ever


def _segments(text: str) -> tuple[Any, ...]:
    return _records(text, "segments", strict=True)


def _goal_table(data: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(data).items() if str(k) in ACTIVITIES}


def _goals(text: str) -> dict[str, Any]:
    if not text:
        return {}
    data = json.loads(text)
    tables = {str(k): _goal_table(v) for k, v in data.get("territories", {}).items()}
    return {
        "goals_default": _goal_table(data.get("default", {})),
        "goals_territories": tables,
        "goals_reps": {str(k): _goal_table(v) for k, v in data.get("reps", {}).items()},
    }


def fraction_or_off(text: str) -> float | None:
    """A threshold value from text: "0.8", "80%", or "" / "off" / "none" for none.

    Parameters
    ----------
    text
        The value as typed or stored (not a number: `ValueError`).

    Returns
    -------
    float | None
        The value as a fraction ("80%" -> 0.8); None: off.
    """
    s = text.strip().lower()
    if s in {"", "off", "none"}:
        return None
    return float(s[:-1]) / 100 if s.endswith("%") else float(s)


def check_policy(policy: str) -> str:
    """Return `policy` if it is a known parent policy.

    Parameters
    ----------
    policy
        One of `PARENT_POLICIES`.

    Returns
    -------
    str
        The policy, unchanged.

    Raises
    ------
    InputError
        When `policy` is not one of `PARENT_POLICIES`.
    """
    if policy not in PARENT_POLICIES:
        known = ", ".join(f"'{p}'" for p in PARENT_POLICIES)
        msg = f"there is no parent policy '{policy}'; use one of {known}"
        raise InputError(msg)
    return policy


@dataclass(frozen=True)
class _Stored:
    """How one settings key is read: the fields it fills, its parser, what to do when bad."""

    fields: tuple[str, ...]
    parse: Callable[[str], Any]
    remedy: str = ""
    number: bool = False  # a bad value "is not a number" rather than "cannot be read"


_QUOTA = "set the quota plan again"
#: Every settings key but the alerts (``alert_<name>``) and the change log.
_KEYS: dict[str, _Stored] = {
    "scenario": _Stored(("scenario",), str),
    "scenario_note": _Stored(("scenario_note",), str),
    "balance_tolerance": _Stored(("balance_tolerance",), float, "set the balance band again", True),
    "quota_target": _Stored(("quota_target",), _optional_number, _QUOTA, True),
    "quota_potential_weight": _Stored(("quota_potential_weight",), float, _QUOTA, True),
    "quota_growth": _Stored(("quota_growth",), float, _QUOTA, True),
    "parent_policy": _Stored(("parent_policy",), check_policy),
    "rules": _Stored(("rules",), _rules, "save the rules again"),
    "segments": _Stored(("segments",), _segments, "save the segments again"),
    GOALS_KEY: _Stored(GOAL_FIELDS, _goals, "set them again with performance --goal"),
}
_ALERT = _Stored(("alerts",), fraction_or_off, "give e.g. 0.8 or 80%, or 'off'", True)


def _read(key: str, text: str, stored: _Stored) -> Any:
    try:
        return stored.parse(text)
    except InputError:
        raise
    except (ValueError, TypeError, AttributeError) as exc:
        if stored.number:
            msg = f"the project setting '{key}': '{text}' is not a number; {stored.remedy}"
        else:
            msg = f"the project setting '{key}' cannot be read ({exc}); {stored.remedy}"
        raise InputError(msg) from exc


def read_settings(settings: Mapping[str, str], check: Iterable[str] | None = None) -> PlanSettings:
    """The typed settings of a project (the one reader of its settings keys).

    Parameters
    ----------
    settings
        The project's settings (`Project.settings`).
    check
        The fields (of `PlanSettings`) whose stored value, when it cannot be read,
        raises `InputError`; None: every field. An unreadable value of a field not
        checked reads as its default, so that a bad value of one setting stops only
        what uses it.

    Returns
    -------
    PlanSettings
        The stored values, defaults where a setting is absent. The rules read as none
        when their JSON is not a list (as before); another bad value raises
        `InputError` naming the key, the value and what to do.
    """
    checked = FIELD_NAMES if check is None else frozenset(check)
    values: dict[str, Any] = {}
    alerts: dict[str, float | None] = {}
    for key, text in settings.items():
        alert = key.startswith(ALERT_PREFIX)
        stored = _ALERT if alert else _KEYS.get(key)
        if stored is None:
            continue  # e.g. the change log, the demo's seed
        try:
            parsed = _read(key, text, stored)
        except InputError:
            if checked.intersection(stored.fields):
                raise
            continue
        if alert:
            alerts[key.removeprefix(ALERT_PREFIX)] = parsed
        elif len(stored.fields) == 1:
            values[stored.fields[0]] = parsed
        else:
            values.update(parsed)
    return PlanSettings(**values, alerts=alerts)


def _float_text(value: float | None) -> str:
    return "" if value is None else repr(value)


def settings_entries(values: PlanSettings, *names: str) -> dict[str, str]:
    """The settings entries that store fields of `values` (for `edits.ChangeSettings`).

    Parameters
    ----------
    values
        The settings to store (only the fields named are written).
    *names
        Fields of `PlanSettings`; any of the three goal tables writes all three (they
        share one key), `alerts` writes one key per threshold in it.

    Returns
    -------
    dict[str, str]
        Settings key -> stored text, as `read_settings` reads it back.
    """
    unknown = set(names) - FIELD_NAMES
    if unknown:
        msg = f"no such plan setting: {', '.join(sorted(unknown))}"
        raise ValueError(msg)
    entries: dict[str, str] = {}
    for name in names:
        if name in GOAL_FIELDS:
            data = {
                "default": dict(values.goals_default),
                "territories": {k: dict(v) for k, v in values.goals_territories.items()},
                "reps": {k: dict(v) for k, v in values.goals_reps.items()},
            }
            entries[GOALS_KEY] = json.dumps(data, sort_keys=True)
        elif name == "alerts":
            entries.update({ALERT_PREFIX + k: _float_text(v) for k, v in values.alerts.items()})
        elif name in {"rules", "segments"}:
            entries[name] = json.dumps(list(getattr(values, name)))
        elif _KEYS[name].number:
            entries[name] = _float_text(getattr(values, name))
        elif name == "parent_policy":
            entries[name] = check_policy(values.parent_policy)
        else:
            entries[name] = str(getattr(values, name))
    return entries


def setting_entries(**values: Any) -> dict[str, str]:
    """The settings entries of some fields given by name (others keep their defaults).

    Parameters
    ----------
    **values
        Field of `PlanSettings` -> its new value.

    Returns
    -------
    dict[str, str]
        Settings key -> stored text (see `settings_entries`).
    """
    return settings_entries(replace(PlanSettings(), **values), *values)


def read_change_log(settings: Mapping[str, str]) -> list[tuple[str, str]]:
    """The change log kept in a project's settings: (ISO time, what changed), oldest first.

    Parameters
    ----------
    settings
        The project's settings.

    Returns
    -------
    list[tuple[str, str]]
        The entries; none when the project has no log yet.
    """
    return [(str(when), str(text)) for when, text in json.loads(settings.get(CHANGE_LOG_KEY, "[]"))]


def change_log_entry(entries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The settings entry that stores a change log.

    Parameters
    ----------
    entries
        (ISO time, what changed), oldest first.

    Returns
    -------
    dict[str, str]
        The change log's key -> its JSON text.
    """
    return {CHANGE_LOG_KEY: json.dumps(list(entries), ensure_ascii=False)}
