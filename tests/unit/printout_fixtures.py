"""A small visit calendar for the printout tests, in the shape `schedule_record` returns."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

#: Text longer than a printed column holds (it wraps).
LONG_NAME = "Northwestern Regional Medical Supplies and Laboratory Equipment Holdings LLC"
LONG_REASON = "appointment 'next Tuesday' is not a date and time such as 2026-12-03 10:00"


def _visit(order: int, name: str, arrival: str, departure: str) -> dict[str, Any]:
    return {
        "order": order, "account_id": f"ACC-{order:05d}", "name": name, "arrival": arrival,
        "departure": departure, "street": "1200 North Lake Shore Drive", "city": "Chicago",
        "state": "IL", "zip": "60610", "phone": "(312) 555-0100", "drive_minutes": 12.4,
        "km": 1234.5,
    }  # fmt: skip


def _day_totals(start: str, end: str) -> dict[str, Any]:
    return {
        "start": start, "end": end, "drive_minutes": 40.0, "visit_minutes": 90.0, "km": 35.0,
        "overtime_minutes": 0.0,
    }  # fmt: skip


def calendar_plan(rep: str = "Dana Whitfield") -> dict[str, Any]:
    """Two days of one rep's week (Wednesday, the widest day name), one visit left out."""
    return {
        "rep_id": "R01",
        "rep": rep,
        "weeks": 1,
        "start_date": "2026-12-07",
        "totals": {
            "visits": 3,
            "visit_hours": 2.25,
            "drive_hours": 1.5,
            "km": 12345.0,
            "utilisation": 0.853,
            "overtime_hours": 0.0,
            "left_out_visits": 1,
            "naive_drive_hours": 2.0,
            "drive_saving": 0.25,
        },
        "days": [
            {
                "date": "2026-12-09",
                "week": 1,
                "day": "Wed",
                **_day_totals("08:10", "10:40"),
                "visits": [
                    _visit(1, "Acme", "08:30", "09:15"),
                    _visit(2, LONG_NAME, "09:40", "10:25"),
                ],
            },
            {
                "date": "2026-12-10",
                "week": 1,
                "day": "Thu",
                **_day_totals("12:50", "14:05"),
                "visits": [
                    _visit(3, "Bell Ltd", "13:05", "13:50"),
                ],
            },
        ],
        "suggestions": [],
        "left_out": [
            {
                "account_id": "ACC-00009",
                "name": "Zoë's Café",
                "visits": 1,
                "hours": 0.75,
                "reason": LONG_REASON,
            },
        ],
    }


def shown(value: object, number_format: str) -> str:
    """What a spreadsheet shows for a cell read back by openpyxl (the formats exports use)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        pattern = {
            "ddd dd mmm yyyy": "%a %d %b %Y", "hh:mm": "%H:%M", "yyyy-mm-dd": "%Y-%m-%d",
            "yyyy-mm-dd h:mm:ss": "%Y-%m-%d %H:%M:%S", "h:mm:ss": "%H:%M:%S",
        }[number_format]  # fmt: skip
        return value.strftime(pattern)
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float) and number_format != "General":
        pattern = {"0": "{:.0f}", "0.0": "{:.1f}", "0%": "{:.0%}", "#,##0": "{:,.0f}"}
        return pattern[number_format].format(value)
    return str(value)
