"""What each importable field is called in CRM exports, and how its text is parsed.

A `Field` names a column of our model, the header spellings that map to it,
and its kind; `detect_mapping` matches a file's headers (and, for ZIPs and
coordinates, its contents) to fields; the ``parse_*`` functions turn the
text of real exports ("1.234,56", "$12k", "2134", "Every 2 weeks") into values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territory_planner.model import VISIT_FREQUENCIES, values_or_none


@dataclass(frozen=True)
class Field:
    """One importable field: its model column, label, header aliases and kind."""

    name: str
    label: str
    aliases: tuple[str, ...]
    kind: str = (
        "text"  # text | number | integer | zip | lat | lon | frequency | minutes | state | date
    )


def _key(text: str) -> str:
    """Header key: lower case, accents and punctuation dropped ("Länge" -> "lange")."""
    plain = (
        unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^a-z0-9]", "", plain.lower())


ACCOUNT_FIELDS = (
    Field("account_id", "Account ID", ("id", "accountid", "accountnumber", "accountno", "customerid", "customernumber", "crmid", "recordid", "clientid", "kundennr", "kundennummer", "numerocliente", "nocliente")),
    Field("name", "Name", ("name", "accountname", "company", "companyname", "customer", "customername", "organization", "organisation", "businessname", "client", "firma", "firmenname", "kunde", "empresa", "societe", "raisonsociale", "nombre")),
    Field("street", "Street", ("street", "address", "address1", "addressline1", "streetaddress", "billingstreet", "shippingstreet", "mailingstreet", "street1", "strasse", "adresse", "direccion")),
    Field("city", "City", ("city", "town", "billingcity", "shippingcity", "mailingcity", "locality", "ort", "stadt", "ville", "ciudad")),
    Field("state", "State", ("state", "st", "province", "stateprovince", "stateregion", "provincestate", "billingstate", "shippingstate", "mailingstate"), "state"),
    Field("zip", "ZIP", ("zip", "zipcode", "postalcode", "postcode", "zip5", "billingzip", "billingpostalcode", "shippingpostalcode", "mailingzip", "postal", "plz", "cp", "codepostal", "codigopostal"), "zip"),
    Field("country", "Country", ("country", "billingcountry", "shippingcountry", "countrycode")),
    Field("lat", "Latitude", ("lat", "latitude", "y", "billinglatitude", "geolat", "breite", "breitengrad"), "lat"),
    Field("lon", "Longitude", ("lon", "lng", "long", "longitude", "x", "billinglongitude", "geolon", "geolng", "lange", "laengengrad", "langengrad"), "lon"),
    Field("industry", "Industry", ("industry", "sector", "vertical", "segment", "naics", "sic", "branche", "secteur")),
    Field("size_band", "Size band", ("size", "sizeband", "companysize", "tier", "customersize", "sizeclass")),
    Field("employees", "Employees", ("employees", "numberofemployees", "employeecount", "headcount", "staff", "noofemployees"), "integer"),
    Field("product_line", "Product line", ("productline", "product", "products", "productfamily", "productinterest")),
    Field("lead_source", "Lead source", ("leadsource", "source", "origin", "channel", "acquisitionchannel")),
    Field("parent_id", "Parent ID", ("parentid", "parentaccountid", "parentnumber", "ultimateparentid", "hqid")),
    Field("parent_name", "Parent company", ("parent", "parentname", "parentaccount", "parentcompany", "ultimateparent", "headquarters")),
    Field("annual_revenue", "Annual revenue", ("revenue", "annualrevenue", "sales", "currentrevenue", "ytdsales", "revenueusd", "annualsales", "umsatz", "chiffredaffaires", "ventas"), "number"),
    Field("potential", "Potential", ("potential", "salespotential", "marketpotential", "wallet", "totalpotential", "opportunity", "revenuepotential"), "number"),
    Field("last_year_sales", "Last-year sales", ("lastyearsales", "lysales", "priorYearSales".lower(), "previousyearsales", "salesly", "lastyearrevenue", "py sales".replace(" ", "")), "number"),
    Field("visit_frequency", "Visit frequency", ("visitfrequency", "frequency", "callfrequency", "callcycle", "visits", "visitcycle"), "frequency"),
    Field("visit_minutes", "Visit duration (min)", ("visitduration", "visitminutes", "duration", "callduration", "visitlength", "minutes", "visittime"), "minutes"),
    Field("rep", "Assigned rep", ("rep", "owner", "accountowner", "salesrep", "assignedrep", "assignedto", "representative")),
    Field("territory", "Territory", ("territory", "territoryname", "salesterritory", "district")),
)  # fmt: skip

REP_FIELDS = (
    Field("rep_id", "Rep ID", ("id", "repid", "employeeid", "userid", "salesrepid")),
    Field("name", "Name", ("name", "repname", "fullname", "salesrep", "rep", "employee")),
    Field("email", "Email", ("email", "emailaddress", "mail")),
    Field("home_street", "Home street", ("street", "address", "homestreet", "homeaddress", "address1")),
    Field("home_city", "Home city", ("city", "homecity", "town", "base", "homebase")),
    Field("home_state", "Home state", ("state", "homestate", "st", "province"), "state"),
    Field("home_zip", "Home ZIP", ("zip", "zipcode", "homezip", "postalcode", "postcode"), "zip"),
    Field("lat", "Latitude", ("lat", "latitude", "homelat"), "lat"),
    Field("lon", "Longitude", ("lon", "lng", "long", "longitude", "homelon", "homelng"), "lon"),
    Field("weekly_capacity_hours", "Weekly capacity (h)", ("capacity", "weeklycapacity", "weeklycapacityhours", "hoursperweek", "weeklyhours", "hours"), "number"),
    Field("work_days", "Working days", ("workdays", "workingdays", "days")),
    Field("day_start", "Day starts", ("daystart", "start", "starttime", "workstart")),
    Field("day_end", "Day ends", ("dayend", "end", "endtime", "workend")),
    Field("skills", "Skills", ("skills", "industries", "products", "specialties", "specialities")),
    Field("start_date", "Start date", ("startdate", "hiredate", "hired", "datehired"), "date"),
)  # fmt: skip

#: Actuals: sales and activities per account and period (a month, a quarter, or a date).
ACTUAL_FIELDS = (
    Field("account_id", "Account ID", ("accountid", "id", "accountnumber", "accountno", "customerid", "customernumber", "customerno", "crmid", "clientid", "kundennr", "kundennummer", "numerocliente", "nocliente")),
    Field("period", "Period", ("period", "month", "quarter", "date", "yearmonth", "monthyear", "fiscalperiod", "salesperiod", "periodo", "invoicedate", "orderdate", "postingdate", "closedate", "transactiondate", "monat", "datum", "mois", "mes", "fecha"), "period"),
    Field("sales", "Sales", ("sales", "revenue", "amount", "netsales", "grosssales", "salesamount", "invoiceamount", "netamount", "totalsales", "bookings", "value", "umsatz", "chiffredaffaires", "ventas"), "number"),
    Field("calls", "Calls", ("calls", "phonecalls", "callcount", "numberofcalls", "noofcalls", "anrufe"), "integer"),
    Field("meetings", "Meetings", ("meetings", "visits", "meetingcount", "numberofmeetings", "appointments", "termine", "besuche"), "integer"),
    Field("emails", "Emails", ("emails", "email", "emailssent", "emailcount", "numberofemails", "mails"), "integer"),
)  # fmt: skip


def detect_mapping(
    headers: list[str], frame: pd.DataFrame, fields: tuple[Field, ...]
) -> dict[str, str]:
    """Guess which header holds each field: by name first, then by content.

    Parameters
    ----------
    headers
        The file's column headers, in order.
    frame
        The file's cells as text (columns named by `headers`), for guessing by content.
    fields
        The fields to look for (e.g. the account fields).

    Returns
    -------
    dict
        Field name -> header, for the fields found (each header used once).
    """
    mapping: dict[str, str] = {}
    used: set[str] = set()
    keys = {h: _key(_without_units(h)) for h in headers}
    for exact in (True, False):
        for f in fields:
            if f.name in mapping:
                continue
            for header in headers:
                key = keys[header]
                if header in used or not key:
                    continue
                hit = key in f.aliases or key == _key(f.name) if exact else _loose_match(header, f)
                if hit:
                    mapping[f.name] = header
                    used.add(header)
                    break
    _detect_by_content(headers, frame, fields, mapping, used)
    return mapping


def _without_units(header: str) -> str:
    """Drop a unit in brackets: "Weekly capacity (h)" -> "Weekly capacity"."""
    return re.sub(r"\s*[(\[][^)\]]*[)\]]\s*$", "", header).strip() or header


def _loose_match(header: str, f: Field) -> bool:
    """Headers whose last words name the field: "Billing Zip/Postal Code", "Address 1: City".

    Whole words only, counted from the end, so "Capacity" is not a city and
    "Sales Region" is not sales.
    """
    words = [_key(w) for w in re.split(r"[^\w]+|_", _without_units(header)) if _key(w)]
    tails = {"".join(words[i:]) for i in range(1, len(words))}
    return any(alias in tails for alias in f.aliases)


def _detect_by_content(
    headers: list[str],
    frame: pd.DataFrame,
    fields: tuple[Field, ...],
    mapping: dict[str, str],
    used: set[str],
) -> None:
    wanted = {
        f.kind: f.name for f in fields if f.kind in {"zip", "lat", "lon"} and f.name not in mapping
    }
    for header in headers:
        if header in used or not wanted:
            continue
        values = frame[header].astype(str).str.strip()
        values = values[values != ""].head(200)
        if len(values) < 3:  # noqa: PLR2004
            continue
        if "zip" in wanted and values.str.fullmatch(r"\d{5}(-\d{4})?").mean() > 0.9:  # noqa: PLR2004
            mapping[wanted.pop("zip")] = header
            used.add(header)


# ----- value parsers -----

THOUSANDS = 3  # digits after a thousands separator: "1,500" is 1500 but "1,5" is 1.5
#: Digits with at most one decimal separator, and thousands separators only every 3 digits.
_GROUPED = re.compile(  # "1,234.5", "1.234,5", "10,00,000" (lakh), but not "1.5.2020"
    r"\d+([.,]\d*)?|\d{1,3}([.,]\d{3})+([.,]\d*)?|\d{1,3}(,\d{2,3})*(\.\d*)?"
    r"|\d{1,3}(\.\d{3})*(,\d*)?|[.,]\d+"
)
_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
_NUMBER = re.compile(
    r"^(?P<sign>[-+]?)(?P<body>[\d.,' ]*\d[\d.,' ]*|\.\d+)\s*(?P<suffix>k|m|mm|b|bn)?$"
)


def parse_number(text: str) -> float | None:
    """Parse "1,234.50", "1.234,56", "$12k", "(1,200)", "€ 3,5 m", "12 345".

    Parameters
    ----------
    text
        The cell's text.

    Returns
    -------
    float or None
        None for text that is not a number (the caller reports it);
        NaN for an empty cell.
    """
    s = text.strip().lower()
    if not s or s in {"-", "n/a", "na", "none", "null"}:
        return float("nan")
    negative = s.startswith("(") and s.endswith(")")
    s = s.strip("()").replace("usd", "").replace("eur", "").strip(" $€£¥")
    if s.startswith("-") and s[1:2] in {"$", "€", "£", "¥"}:  # "-$1,200"
        negative, s = True, s[1:].strip(" $€£¥")
    match = _NUMBER.match(s.replace("\u00a0", " "))
    if match is None:
        return None
    body = match["body"].replace(" ", "").replace("'", "")
    if not _GROUPED.fullmatch(body):  # "1.5.2020" is a date, not a number
        return None
    if "," in body and "." in body:  # the last one separates the decimals
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
    elif body.count(".") > 1 or (body.count(",") == 1 and len(body.split(",")[1]) != THOUSANDS):
        decimal = ","
    else:
        decimal = "."
    thousands = "," if decimal == "." else "."
    body = body.replace(thousands, "").replace(decimal, ".")
    try:
        value = float(body)
    except ValueError:
        return None
    value *= _SUFFIX.get(match["suffix"] or "", 1.0)
    return -value if negative or match["sign"] == "-" else value


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIALS = (20_000, 80_000)  # 1954 to 2119: a 5-digit number in a date column


def parse_date(text: str) -> str | None:
    """An ISO date from "2021-03-15", "2021-03-15 00:00:00", "3/15/2021" or an Excel serial.

    Returns None when the text is not a date; "" for an empty cell.

    Parameters
    ----------
    text
        The cell's text (also "3/15/21" and "15.03.2021"; a serial from 20,000 to 80,000).

    Returns
    -------
    str | None
        The date as YYYY-MM-DD, "" or None.
    """
    s = text.strip()
    if not s:
        return ""
    if re.fullmatch(r"\d{5}(\.0+)?", s) and EXCEL_SERIALS[0] <= float(s) <= EXCEL_SERIALS[1]:
        return (EXCEL_EPOCH + dt.timedelta(days=int(float(s)))).isoformat()
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(s, pattern).date().isoformat()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def parse_zip(text: str) -> str | None:
    """A 5-digit US ZIP from "02134", "2134" (leading zero lost), "02134-1234", "2134.0".

    Returns None when the text is not a US ZIP; "" for an empty cell.

    Parameters
    ----------
    text
        The cell's text (also 3 digits, and ZIP+4 written as 9 digits).

    Returns
    -------
    str | None
        The ZIP, "" or None.
    """
    s = text.strip()
    if not s:
        return ""
    s = re.sub(r"\.0+$", "", s)
    match = re.fullmatch(r"(\d{3,5})(?:[- ]?(\d{4}))?", s)
    if match is None:
        match9 = re.fullmatch(r"(\d{9})", s)
        return match9[1][:5] if match9 else None
    return match[1].zfill(5)


FREQUENCY_WORDS = {
    "weekly": "weekly", "week": "weekly", "everyweek": "weekly", "1w": "weekly", "52": "weekly",
    "biweekly": "biweekly", "fortnightly": "biweekly", "every2weeks": "biweekly", "everytwoweeks": "biweekly", "2w": "biweekly", "26": "biweekly",
    "monthly": "monthly", "month": "monthly", "every4weeks": "monthly", "everyfourweeks": "monthly", "4w": "monthly", "12": "monthly",
    "everymonth": "monthly", "everyotherweek": "biweekly", "twiceamonth": "biweekly", "bimonthly": "biweekly",
    "quarterly": "quarterly", "quarter": "quarterly", "every13weeks": "quarterly", "every3months": "quarterly", "13w": "quarterly", "4": "quarterly",
}  # fmt: skip


def parse_frequency(text: str) -> str | None:
    """A visit-frequency code from "Weekly", "Every 2 weeks", "Fortnightly", "4" (per year)...

    Parameters
    ----------
    text
        The cell's text (any case, spaces and punctuation ignored).

    Returns
    -------
    str | None
        "weekly", "biweekly", "monthly" or "quarterly"; "" for an empty cell; None
        when the text is not a known frequency.
    """
    key = _key(text)
    if not key:
        return ""
    code = FREQUENCY_WORDS.get(key)
    return code if code in VISIT_FREQUENCIES else None


def parse_minutes(text: str) -> float | None:
    """Minutes from "45", "45 min", "1h", "1.5 hours", "1h30", "1 hr 30 min", "1:30", "0:45:00".

    Parameters
    ----------
    text
        The cell's text.

    Returns
    -------
    float | None
        The minutes; NaN for an empty cell; None when the text is not a duration or negative.
    """
    s = text.strip().lower()
    if not s:
        return float("nan")
    if m := re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}))?", s):  # H:MM, or H:MM:SS from Excel
        return int(m[1]) * 60 + int(m[2]) + int(m[3] or 0) / 60
    if m := re.fullmatch(r"(\d+)\s*(?:h|hr|hrs|hours?)\s*(\d+)\s*(?:m|min|mins|minutes?)?", s):
        return int(m[1]) * 60 + int(m[2])
    if m := re.fullmatch(r"([\d.,]+)\s*(h|hr|hrs|hour|hours)", s):
        value = parse_number(m[1])
        return None if value is None else value * 60
    value = parse_number(re.sub(r"\s*(m|min|mins|minutes)$", "", s))
    return None if value is not None and value < 0 else value


def _slow_parse(
    text: pd.Series, fast: pd.Series, todo: np.ndarray, parser: Callable[[str], Any]
) -> tuple[pd.Series, np.ndarray]:
    """Run the full Python parser only on the cells the vectorised pass left (`todo`)."""
    out = fast.copy()
    bad = np.zeros(len(text), dtype=bool)
    positions = np.flatnonzero(todo)
    parsed = [parser(t) for t in text.to_numpy()[positions]]
    bad[positions] = [p is None for p in parsed]
    values = values_or_none(out)
    values[positions] = [None if p is None else p for p in parsed]
    return pd.Series(values, index=text.index), bad


#: The largest count or duration stored (whole numbers are 64-bit; far below their limit).
MAX_WHOLE = 1e15


def _whole(numbers: pd.Series, bad: np.ndarray, *, round_up: bool) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers for a count or a duration.

    A duration's fraction of a minute is rounded up (45.5 minutes plan as
    46); a fractional count, or either beyond `MAX_WHOLE`, is bad.
    """
    values = numbers.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if round_up:
        values = np.ceil(values)
    wrong = np.isfinite(values) & ((np.abs(values) > MAX_WHOLE) | (values != np.round(values)))
    values[wrong] = np.nan
    return pd.Series(values, index=numbers.index), bad | wrong


def parse_series(values: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Parse a column of text; returns (values, mask of cells that could not be parsed).

    Plain cells ("1234.5", "02134") are converted in one vectorised pass;
    only the rest ("$12k", "1.234,56", "2134") go through the parsers above.

    Parameters
    ----------
    values
        The column's cells.
    kind
        The field's kind: "number", "integer", "minutes", "lat", "lon", "zip",
        "frequency", "date", "state"; any other is kept as text.

    Returns
    -------
    tuple[pandas.Series, numpy.ndarray]
        The parsed values (missing for blank or bad cells) and a boolean per cell,
        True where the cell could not be parsed.
    """
    text = values.astype(str).str.strip()
    blank = (text == "").to_numpy()
    if kind == "integer":  # "1.234" employees means 1234 (European thousands)
        text = text.str.replace(
            r"^(\d{1,3})((?:\.\d{3})+)$", lambda m: m[1] + m[2].replace(".", ""), regex=True
        )
    if kind in {"lat", "lon"}:  # coordinates have no thousands: "41,878" is 41.878
        text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    if kind in {"number", "integer", "minutes", "lat", "lon"}:
        fast = pd.to_numeric(text.where(~blank, None), errors="coerce")
        fast = fast.where(
            np.isfinite(fast.to_numpy(dtype=float, na_value=np.nan))
        )  # "inf" is not a value
        todo = fast.isna().to_numpy() & ~blank
        parser = parse_minutes if kind == "minutes" else parse_number
        out, bad = _slow_parse(text, fast.astype(object), todo, parser)
        numbers = out.astype("float64")
        if kind in {"integer", "minutes"}:
            numbers, bad = _whole(numbers, bad, round_up=kind == "minutes")
        return numbers, bad
    if kind == "zip":
        fast = text.where(text.str.fullmatch(r"\d{5}"), None)
        todo = fast.isna().to_numpy() & ~blank
        out, bad = _slow_parse(text, fast.astype(object), todo, parse_zip)
        return out.where(out != "", None).astype("str"), bad
    if kind == "frequency":
        keys = text.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
        codes = keys.map(FREQUENCY_WORDS)
        bad = codes.isna().to_numpy() & ~blank
        return codes.astype("str"), bad
    if kind == "date":
        dates = [parse_date(t) for t in text]
        bad = np.array([d is None for d in dates], dtype=bool) & ~blank
        return pd.Series([d or None for d in dates], index=values.index, dtype="str"), bad
    if kind == "state":  # "ca" -> "CA"; names such as "California" stay as written
        text = text.where(text.str.len() > 2, text.str.upper())  # noqa: PLR2004
    return text.where(~blank, None), np.zeros(len(values), dtype=bool)
