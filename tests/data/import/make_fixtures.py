"""Write the malformed and realistic import fixtures in this folder (deterministic).

Run: ``.venv/bin/python tests/data/import/make_fixtures.py``. Each file is one
case that CRM exports really produce; tests/unit/test_import_files.py holds
what importing each must give (the files of `known_bugs` are imported wrongly
today: their tests are marked xfail). Workbooks get fixed time stamps, so a
rerun rewrites every file byte for byte.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
HEADER = "Account ID,Account Name,Street,City,State,Zip,Annual Revenue,Industry"
ROWS = [
    "A1,Acme Tools,1 Main St,Chicago,IL,60601,120000,Manufacturing",
    "A2,Beta Health,2 Oak Ave,Boston,MA,02134,85000,Healthcare",
    "A3,Gamma Retail,3 Elm St,Dallas,TX,75201,43000,Retail",
]


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(content.encode(encoding))


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


FROZEN = (2026, 1, 1, 0, 0, 0)  # every XLSX gets this time stamp, so reruns give the same bytes


def freeze(path: Path) -> None:
    """Rewrite a workbook with fixed time stamps (openpyxl writes "now" into it)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            fixed = data
            if name == "docProps/core.xml":
                fixed = re.sub(rb">\d{4}-\d\d-\d\dT[\d:]+Z<", b">2026-01-01T00:00:00Z<", data)
            target.writestr(zipfile.ZipInfo(name, FROZEN), fixed, zipfile.ZIP_DEFLATED)


def workbook(
    name: str,
    sheets: dict[str, list[list[object]]],
    merge: str | None = None,
    styled_rows: range = range(0),
) -> Path:
    """Write a workbook; `styled_rows` get a formatted but empty cell (as Excel leaves them)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge and title == next(iter(sheets)):
            sheet.merge_cells(merge)
        for row in styled_rows:
            sheet.cell(row=row, column=2).font = Font(italic=True)
    path = HERE / name
    book.save(path)
    freeze(path)
    return path


def main() -> None:
    text("utf8.csv", lines(HEADER, *ROWS))
    text("utf8_bom.csv", "\ufeff" + lines(HEADER, *ROWS))
    text(
        "latin1.csv",
        lines(
            HEADER,
            "L1,Müller Stahl GmbH,Hauptstraße 5,Chicago,IL,60601,1000,Manufacturing",
            "L2,Café Zoë,9 Rue,Boston,MA,02134,2000,Hospitality",
        ),
        "cp1252",
    )
    (HERE / "utf16_tab.txt").write_bytes(
        codecs.BOM_UTF16_LE
        + lines(*(r.replace(",", "\t") for r in (HEADER, *ROWS))).encode("utf-16-le")
    )
    text(
        "semicolon_eu.csv",
        lines(
            HEADER.replace(",", ";"),
            'E1;Euro One;1 Rue;Chicago;IL;60601;"1.234,56";Retail',
            "E2;Euro Two;2 Rue;Boston;MA;02134;12.500,00;Retail",
        ),
    )
    text("tab.tsv", lines(*(r.replace(",", "\t") for r in (HEADER, *ROWS))))
    text("pipe.txt", lines(*(r.replace(",", "|") for r in (HEADER, *ROWS))))
    text(
        "quoted_newlines.csv",
        lines(
            HEADER,
            'Q1,"Smith, Jones\nand Partners","1 Main St\nSuite 5",Chicago,IL,60601,100,Legal',
            *ROWS[1:],
            "Q4,,4 Pine St,Dallas,TX,75201,1,Retail",
        ),
    )
    text(
        "blank_header.csv",
        lines(
            "Account ID,Account Name,,Zip", "B1,Blank One,note a,60601", "B2,Blank Two,note b,02134"
        ),
    )
    text(
        "duplicate_headers.csv",
        lines("Account ID,Account Name,Notes,Zip,Notes", "D1,Dup One,first,60601,second"),
    )
    text("empty_rows.csv", lines(HEADER, ROWS[0], "", ",,,,,,,", ROWS[1], "", ROWS[2]))
    text("trailing_empty.csv", lines(HEADER, *ROWS) + "\n\n")
    text("one_row.csv", lines(HEADER, ROWS[0]))
    text("header_only.csv", lines(HEADER))
    text("empty.csv", "")
    (HERE / "binary.csv").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    )
    xlsx = workbook("_tmp.xlsx", {"Accounts": [HEADER.split(","), *[r.split(",") for r in ROWS]]})
    xlsx.rename(HERE / "xlsx_renamed.csv")
    (HERE / "old_excel.xls").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(1024))
    workbook(
        "title_rows.xlsx",
        {
            "Export": [
                ["ACME CRM — Account export", None, None, None],
                ["Generated 2026-11-01", None, None, None],
                [],
                ["Account ID", "Account Name", "Zip", "Annual Revenue"],
                ["T1", "Title One", 60601, 1500.5],
                ["T2", "Title Two", 2134, 99],
            ]
        },
        merge="A1:D1",
    )
    workbook(
        "two_sheets.xlsx",
        {
            "Notes": [["Read me first"]],
            "Accounts": [["Account ID", "Account Name", "Zip"], ["S1", "Second Sheet Co", "75201"]],
        },
    )
    workbook(
        "dates.xlsx",
        {
            "Accounts": [
                ["Account ID", "Account Name", "Zip", "Customer Since", "Last Order"],
                ["DT1", "Dated One", "60601", dt.date(2019, 4, 1), 45000],
                ["DT2", "Dated Two", "02134", dt.datetime(2021, 7, 15, 9, 30), 45100],  # noqa: DTZ001 (Excel has no time zones)
            ]
        },
    )
    workbook(
        "zip_numbers.xlsx",
        {
            "Accounts": [
                ["Account ID", "Account Name", "Zip"],
                ["Z1", "Zero Lost", 2134],
                ["Z2", "Zip Plus Four", "02134-1234"],
                ["Z3", "Nine Digits", 21341234],
                ["Z4", "Float Zip", 60601.0],
            ]
        },
    )
    text(
        "swapped.csv",
        lines(
            "Account ID,Account Name,Latitude,Longitude",
            "W1,Swapped Chicago,-87.6298,41.8781",
            "W2,Right Boston,42.3601,-71.0589",
            "W3,Swapped Out Of Range,-122.4194,37.7749",
        ),
    )
    text(
        "out_of_range.csv",
        lines(
            "Account ID,Account Name,Zip,Latitude,Longitude",
            "R1,Far Out,60601,123.4,-200",
            "R2,Placeholder,02134,0,0",
        ),
    )
    text(
        "duplicate_ids.csv",
        lines(
            HEADER,
            *ROWS,
            "A2,Beta Copy,2 Oak Ave,Boston,MA,02134,1,Healthcare",
            "A1,Acme Copy,1 Main St,Chicago,IL,60601,1,Manufacturing",
        ),
    )
    text(
        "missing_names.csv",
        lines(
            HEADER,
            ROWS[0],
            "A9,,9 Nowhere,Chicago,IL,60601,5,Retail",
            "A10,   ,10 Nowhere,Chicago,IL,60601,5,Retail",
        ),
    )
    text("missing_ids.csv", lines(HEADER, ROWS[0], ",No Id Co,1 Main St,Chicago,IL,60601,5,Retail"))
    text(
        "numbers.csv",
        lines(
            "Account ID,Account Name,Zip,Annual Revenue,Potential,Employees",
            'N1,Money One,60601,"$12k","(1,200)",n/a',
            'N2,Money Two,60601,twelve,"€ 3,5 m",1.234',
            'N3,Money Three,60601,"1,234,567.89",2.5M,250',
        ),
    )
    text(
        "bad_zips.csv",
        lines(
            "Account ID,Account Name,City,State,Zip",
            "Z1,Bad Letters,Chicago,IL,ABCDE",
            "Z2,Too Short,,,1",
            "Z3,Unknown Zip,,,99999",
        ),
    )
    text(
        "frequencies.csv",
        lines(
            "Account ID,Account Name,Zip,Visit Frequency,Visit Duration",
            "F1,Weekly Co,60601,Weekly,45 min",
            "F2,Fortnight Co,60601,Every 2 weeks,1h",
            "F3,Monthly Co,60601,Fortnightly,1:30",
            "F4,Odd Co,60601,sometimes,forever",
        ),
    )
    text(
        "ragged.csv",
        lines(
            "Account ID,Account Name,Zip,Industry",
            "G1,Good Co,60601,Retail",
            "G2,Bad, Inc.,60601,Retail",
            "G3,Short Co",
        ),
    )
    text(
        "crm_headers.csv",
        lines(
            "Account Number,Account Name,Billing Street,Billing City,Billing State/Province,Billing Zip/Postal Code,Annual Revenue,Account Owner,Parent Account,Number of Employees",
            "CRM1,Salesforce Style,1 Main,Chicago,IL,60601,1000,Pat Doe,Big Holdings,120",
        ),
    )
    text(
        "custom_columns.csv",
        lines(
            "Account ID,Account Name,Zip,Region Code,Credit Limit,Key Account",
            "C1,Custom One,60601,R-North,50000,yes",
            "C2,Custom Two,02134,R-East,,no",
        ),
    )
    text("no_id_column.csv", lines("Account Name,Zip", "First No Id,60601", "Second No Id,02134"))
    text(
        "city_state_only.csv",
        lines(
            "Account ID,Account Name,City,State",
            "CS1,Saint Louis Co,Saint Louis,MO",
            "CS2,Springfield Co,Springfield,Illinois",
            "CS3,Nowhere Co,Atlantis,ZZ",
        ),
    )
    text("reimport_v1.csv", lines(HEADER, *ROWS))
    text(
        "reimport_v2.csv",
        lines(
            HEADER,
            "A1,Acme Tools Renamed,1 Main St,Chicago,IL,60601,150000,Manufacturing",
            ROWS[1],
            "A4,Delta New,4 Pine St,Denver,CO,80202,9000,Retail",
        ),
    )
    text(
        "reps.csv",
        lines(
            "Rep ID,Name,Email,Zip,Hours per week,Working days,Start,End,Skills",
            "R1,Pat Doe,pat@example.com,60601,40,Mon-Fri,8:00,5pm,Healthcare",
            "R2,Sam Roe,sam@example.com,,32,mon wed fri,9,15:30,",
            "R3,Lee Poe,lee@example.com,75201,lots,someday,25:00,17:00,",
        ),
    )
    text(
        "lat_lon_no_zip.csv",
        lines(
            "Account ID,Account Name,Lat,Lng",
            "P1,Coordinates Only,41.8781,-87.6298",
            'P2,Coordinates Text,"41,8781","-87,6298"',
        ),
    )
    layouts()
    known_bugs()
    limits()
    ordinary_data()


NUMERIC_HEADER = ["Account ID", "Account Name", "Zip", "Employees", "Annual Revenue"]
NUMERIC_HEADER += ["Latitude", "Longitude", "Key Account", "Score"]


def layouts() -> None:
    """More encodings, line endings and workbook layouts that real exports have."""
    text(
        "german_headers.csv",
        lines(
            "Kundennummer;Firma;Straße;PLZ;Ort;Umsatz;Mitarbeiter;Größe",
            "K1;Müller Stahl GmbH;Hauptstraße 5;60601;Chicago;€ 1.234,56;1.200;groß",
            "K2;Café Zoë;Rue 9;2134;Boston;12.500,00;35;klein",
        ),
        "cp1252",
    )
    (HERE / "utf16_be.txt").write_bytes(
        codecs.BOM_UTF16_BE
        + lines(*(r.replace(",", "\t") for r in (HEADER, *ROWS))).encode("utf-16-be")
    )
    text(
        "crlf_quoted.csv",
        "\r\n".join(
            [
                "Account ID,Account Name,Street,City,State,Zip",
                'C1,"Joe ""Big"" Diner","1 Main St\r\nSuite 5",Chicago,IL,60601',
                '"C2","Smith; Jones | Partners",2 Oak Ave,Boston,MA,"02134"',
                "C3,Gamma Retail,3 Elm St,Dallas,TX,75201",
                "",
                "",
            ]
        ),
    )
    text(
        "trailing_delimiter.csv",
        lines("Account ID,Account Name,Zip,", "TD1,Trailing One,60601,", "TD2,Trailing Two,02134,"),
    )
    text(
        "hubspot_headers.csv",
        lines(
            "Record ID,Company name,Street Address,City,State/Region,Postal Code,Annual Revenue,Company owner,Number of Employees,Industry,Create Date",
            "101,Acme Tools,1 Main St,Chicago,IL,60601,1000000,Pat Doe,250,Manufacturing,2024-01-02 09:15",
            "102,Beta Health,2 Oak Ave,Boston,MA,02134-1234,85000,Sam Roe,12,Healthcare,2024-02-03 10:00",
        ),
    )
    workbook(
        "xlsx_numeric_ids.xlsx",
        {
            "Accounts": [
                NUMERIC_HEADER,
                [1001, "Numeric Id", 60601, 250.0, 1234.5, 41.8781, -87.6298, True, 0.5],
                [1002, "Text Zip", "02134", 12, 99, None, None, False, 3],
                [1003.0, "Float Id", 75201.0, None, 1e6, None, None, None, None],
            ]
        },
    )
    workbook(
        "xlsx_blank_rows.xlsx",
        {
            "Accounts": [
                ["Account ID", "Account Name", "Zip"],
                ["X1", "First", "60601"],
                [],
                ["X2", "Second", "02134"],
                ["   ", None, ""],
                ["X3", "Third", "75201"],
            ]
        },
        styled_rows=range(3, 21),  # Excel keeps formatted empty rows, also below the data
    )
    (HERE / "damaged.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 2)
    text(
        "city_state_more.csv",
        lines(
            "Account ID,Account Name,City,State",
            "CM1,Capitol Co,Washington,DC",
            "CM2,Gateway Co,St. Louis,Missouri",
            "CM3,Cowtown Co,Fort Worth,tx",
            "CM4,Island Co,San Juan,PR",
        ),
    )


def known_bugs() -> None:
    """Files the importer gets wrong today (see the xfail tests in test_import_files.py)."""
    text(
        "cp1252_last_line.csv",
        lines(
            "Account ID,Account Name,Zip,City",
            "J1,Acme Tools,60601,Chicago",
            "J2,Gamma Retail,95113,San José",
        ),
        "cp1252",
    )
    text(
        "duplicate_header_collision.csv",
        lines("Account ID,Account Name,Zip,Notes,Notes,Notes (2)", "N1,Notes Co,60601,a,b,c"),
    )
    text(
        "unterminated_quote.csv",
        lines(
            "Account ID,Account Name,Zip",
            'U1,"Acme Tools,60601',
            "U2,Beta Health,02134",
            "U3,Gamma Retail,75201",
        ),
    )
    text(
        "own_export.csv",
        lines(
            "account_id,name,street,city,state,zip,country,lon,lat,geocode,industry,size_band,employees,product_line,lead_source,parent_id,parent_name,annual_revenue,potential,last_year_sales,visit_frequency,visit_minutes,territory_id,locked,territory,rep",
            "E1,Acme Tools,1 Main St,Chicago,IL,60601,US,-87.6181,41.8858,zip,Manufacturing,,,,,,,120000.0,,,monthly,45,T1,False,North,Pat Doe",
            "E2,Beta Health,2 Oak Ave,Boston,MA,02134,US,-71.1329,42.3535,zip,Healthcare,,,,,,,85000.0,,,weekly,30,T1,True,North,Pat Doe",
            "E3,Gamma Retail,3 Elm St,Dallas,TX,75201,US,-96.8044,32.7904,zip,Retail,,,,,,,43000.0,,,,,,False,,",
        ),
    )
    text(
        "case_collision.csv",
        lines(
            "Account ID,Company,Name,Billing City,City,Zip,Region,REGION",
            "K1,Acme Tools,Pat Doe,Chicago,Evanston,60601,North,N-1",
        ),
    )
    text(
        "lookalike_headers.csv",
        lines(
            "Account ID,Account Name,Zip,Sales Region,Capacity",
            "LA1,Region One,60601,West,300",
            "LA2,Region Two,02134,East,120",
        ),
    )
    text(
        "dynamics_headers.csv",
        lines(
            "Account Name,Main Phone,Address 1: City,Address 1: Street 1,Address 1: State/Province,Address 1: ZIP/Postal Code,Annual Revenue,Owner,Account Number",
            "Acme Tools,555-0100,Chicago,1 Main St,IL,60601,120000,Pat Doe,D1",
            "Beta Health,555-0101,Boston,2 Oak Ave,MA,02134,85000,Sam Roe,D2",
        ),
    )
    text(
        "coordinates_partial.csv",
        lines(
            "Account ID,Account Name,Zip,Latitude,Longitude",
            "P1,Latitude Only,60601,41.8781,",
            'P2,Three Decimals,02134,"41,878","-87,630"',
            'P3,Four Decimals,75201,"41,8781","-87,6298"',
        ),
    )
    workbook(
        "durations.xlsx",
        {
            "Accounts": [
                ["Account ID", "Account Name", "Zip", "Visit Duration"],
                ["V1", "Time Cell", "60601", dt.time(1, 30)],
                ["V2", "Duration Cell", "60601", dt.timedelta(minutes=45)],
                ["V3", "Number Cell", "60601", 30],
                ["V4", "Text Cell", "60601", "1:15"],
            ]
        },
    )
    text(
        "reps_capacity_label.csv",
        lines("Rep ID,Name,Zip,Weekly capacity (h)", "R1,Pat Doe,60601,32", "R2,Sam Roe,02134,20"),
    )
    workbook(
        "reps_dates.xlsx",
        {
            "Reps": [
                ["Rep ID", "Name", "Zip", "Start date"],
                ["R1", "Date Cell", "60601", dt.date(2021, 3, 15)],
                ["R2", "Serial Number", "60601", 44270],  # 2021-03-15 as Excel stores it
                ["R3", "Text Date", "60601", "2021-03-15"],
            ]
        },
    )


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"'
    ' uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)
XXE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"'
    ' uniqueCount="1"><si><t>&xxe;</t></si></sst>'
)


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_strings(name: str, strings: str) -> None:
    """A small workbook whose cell B2 is read from `strings` (its sharedStrings.xml)."""
    path = workbook(name, {"Accounts": [["Account ID", "Account Name", "Zip"], ["K1", "x", "1"]]})
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/sharedStrings.xml"] = strings.encode()
    types = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", types.encode())
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        r'<c r="B2" t="inlineStr"><is><t>x</t></is></c>', '<c r="B2" t="s"><v>0</v></c>', sheet
    ).encode()
    write_parts(path, parts)


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for filename, content in parts.items():
            target.writestr(zipfile.ZipInfo(filename, FROZEN), content, zipfile.ZIP_DEFLATED)


def limits() -> None:
    """Files past the importer's limits or crafted against it (see test_import_limits.py)."""
    text(
        "long_cell.csv",
        lines(
            "Account ID,Account Name,Zip,Notes",
            "L1,Short,60601,ok",
            "L2,Long,60601," + "x" * 40_000,
        ),
    )
    text(
        "too_many_columns.csv",
        lines(",".join(f"Field {n}" for n in range(1, 1_002)), ",".join("1" * 1_001)),
    )
    with_strings("billion_laughs.xlsx", BILLION_LAUGHS)
    with_strings("xxe.xlsx", XXE)
    path = workbook("broken_xml.xlsx", {"Accounts": [["Account ID", "Account Name"], ["K1", "x"]]})
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet[: sheet.index(b'<c r="B2"')]  # cut off mid-sheet
    write_parts(path, parts)


def ordinary_data() -> None:
    """Ordinary data that used to crash or corrupt an import (see test_ordinary_data.py)."""
    text(
        "fractional_minutes.csv",
        lines(
            "account_id,name,zip,visit_minutes,employees",
            "A1,Acme,60601,45.5,10",
            "A2,Beta,10001,0.5,99999999999999999999",
            "A3,Gamma,10001,30,12.5",
        ),
    )
    text("one_account.csv", lines("account_id,name,zip", "A1,Acme,60601"))
    text(
        "zip_only_accounts.csv",
        lines(
            "account_id,name,city,zip",
            "Z1,Lakeside,,60601",
            "Z2,Harbor,,2134",
            "Z3,Given,Manhattan,10001",
        ),
    )
    text("two_accounts.csv", lines("account_id,name,zip", "A1,Acme,60601", "A2,Beta,10001"))
    text(
        "actuals_huge_calls.csv",
        lines(
            "account_id,month,sales,calls", "A1,2026-01,100,9300000000000000000", "A1,2026-02,50,3"
        ),
    )
    text(
        "actuals_huge_sales.csv",
        lines("account_id,month,sales", "A1,2026-01,1e308", "A1,2026-02,1e308", "A2,2026-01,250"),
    )
    text("notes_twice.csv", lines("account_id,name,zip,Notes,NOTES", "A1,Acme,60601,x,y"))
    text("geocode_header.csv", lines("account_id,name,zip,Geocode", "A1,Acme,60601,x"))
    text(
        "reps_with_homes.csv",
        lines(
            "rep_id,name,zip,capacity,work_days",
            "R1,Ann,60601,30,Mon-Thu",
            "R2,Bob,10001,40,Mon-Fri",
        ),
    )
    text(
        "reps_emails_only.csv",
        lines("rep_id,name,email", "R1,Ann Lee,ann@example.com", "R3,Cy,cy@example.com"),
    )
    text("reps_moved_home.csv", lines("rep_id,name,zip", "R1,Ann Lee,10001"))
    text(
        "latitude_91.csv",
        lines(
            "account_id,name,zip,latitude,longitude",
            "A1,Typo,60601,91,-87.6298",
            "A2,Swapped,94103,-122.4194,37.7749",
        ),
    )
    # UTF-8 throughout (past the 256 KiB sample), then one Windows-1252 row and a NUL
    rows = [f"A{i},Café {i},60601" for i in range(1, 20001)]
    data = ("account_id,name,zip\n" + "\n".join(rows) + "\n").encode()
    data += "B1,José Inc,60601\n".encode("cp1252")
    data += b"B2,Ok\x00 Corp,60601\n"
    data += 'B3,"Two\nlines é",60601\n'.encode()
    (HERE / "late_cp1252_and_nul.csv").write_bytes(data)


if __name__ == "__main__":
    main()
