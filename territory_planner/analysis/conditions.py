"""Conditions on account attributes, as rules and market segments write them.

``industry = Healthcare``, ``employees > 500``, ``industry in [Healthcare, Education]``,
``name contains Clinic``; a condition on `SEGMENT_FIELD` tests a saved segment
(``segment = Enterprise``, see `territory_planner.analysis.market_segments`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError

OPERATORS = ("=", "!=", "in", ">", ">=", "<", "<=", "contains")
#: A condition on this field tests a saved segment: ``segment = NAME`` (see `analysis.market`).
SEGMENT_FIELD = "segment"
_WHERE = re.compile(r"^\s*(?P<field>[^=!<>]+?)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>.*?)\s*$")
_WORD_OP = re.compile(r"^\s*(?P<field>\S+)\s+(?P<op>in|contains)\s+(?P<value>.+?)\s*$", re.I)


@dataclass(frozen=True)
class Condition:
    """``field op value``, e.g. ``employees > 500`` or ``industry in [Healthcare, Education]``."""

    field: str
    op: str
    value: Any

    def mask(self, accounts: pd.DataFrame) -> np.ndarray:
        """Which accounts meet the condition (a missing value never does).

        Parameters
        ----------
        accounts
            The accounts; a field they lack raises `InputError`. Text compares without
            case or surrounding spaces; ``> >= < <=`` compare numbers.

        Returns
        -------
        numpy.ndarray
            A boolean per account.
        """
        if self.field not in accounts.columns:
            msg = f"a rule uses the field '{self.field}', which the accounts do not have"
            raise InputError(msg)
        column = accounts[self.field]
        if self.op in {">", ">=", "<", "<="}:
            numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            limit = float(self.value)
            result = {
                ">": numbers > limit,
                ">=": numbers >= limit,
                "<": numbers < limit,
                "<=": numbers <= limit,
            }[self.op]
            return np.asarray(result, dtype=bool)
        text = column.astype(str).str.strip().str.lower()
        present = column.notna().to_numpy()
        if self.op == "in":
            wanted = {str(v).strip().lower() for v in self.value}
            return text.isin(wanted).to_numpy() & present
        if self.op == "contains":
            return (
                text.str.contains(str(self.value).lower(), regex=False).to_numpy(dtype=bool)
                & present
            )
        equal = (text == str(self.value).strip().lower()).to_numpy() & present
        return equal if self.op == "=" else ~equal & present


def describe_condition(condition: Condition) -> str:
    """``employees > 500``, ``industry in Healthcare, Education``.

    Parameters
    ----------
    condition
        The condition.

    Returns
    -------
    str
        Field, operator and value, a list's items joined by ", ".
    """
    value = condition.value
    text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    return f"{condition.field} {condition.op} {text}"


def condition_from_data(clause: Any, owner: str) -> Condition:
    """A condition from its JSON form ``[field, operator, value]`` (rules and segments keep it).

    Parameters
    ----------
    clause
        The stored form.
    owner
        What holds it, for the message, e.g. ``rule 'West'``.

    Raises
    ------
    InputError
        When it is not three items or the operator is not one of `OPERATORS`.

    Returns
    -------
    Condition
        The condition (field and operator as text, the value as stored).
    """
    if not isinstance(clause, list | tuple) or len(clause) != 3 or clause[1] not in OPERATORS:  # noqa: PLR2004
        msg = (
            f"{owner}: a condition is [field, operator, value] "
            f"with one of the operators {', '.join(OPERATORS)}"
        )
        raise InputError(msg)
    return Condition(str(clause[0]), str(clause[1]), clause[2])


def parse_condition(text: str) -> Condition:
    """A condition as typed on the command line.

    ``industry=Healthcare``, ``employees>500``, ``potential>=100000``,
    ``state!=CA``, ``industry in Healthcare,Education``, ``name contains Clinic``,
    ``segment=Enterprise``. Comparisons (``> >= < <=``) need a number.

    Parameters
    ----------
    text
        The condition as typed; one that cannot be read raises `InputError`.

    Returns
    -------
    Condition
        The condition; an ``in`` value is a list, a comparison's value a number
        (thousands commas dropped).
    """
    words = _WORD_OP.match(text)
    if words:
        field_name, op, value = words["field"], words["op"].lower(), words["value"]
        if op == "in":
            return Condition(field_name, op, [v.strip() for v in value.split(",") if v.strip()])
        return Condition(field_name, op, value)
    match = _WHERE.match(text)
    if not match or not match["value"]:
        msg = (
            f"'{text}' is not a condition; write FIELD=VALUE, FIELD!=VALUE, FIELD>NUMBER "
            "(also >=, <, <=), 'FIELD in A,B' or 'FIELD contains TEXT'"
        )
        raise InputError(msg)
    op, value = match["op"], match["value"]
    if op in {">", ">=", "<", "<="}:
        try:
            number = float(value.replace(",", ""))
            return Condition(match["field"], op, int(number) if number.is_integer() else number)
        except ValueError as exc:
            msg = f"'{text}': {op} compares numbers, and '{value}' is not one"
            raise InputError(msg) from exc
    return Condition(match["field"], op, value)
