"""The columns of the Accounts, Reps and Gaps && Overlaps tables; the Accounts quick subsets."""

from __future__ import annotations

from territory_planner.formats import integer, money
from territory_planner.ui.table_model import Column
from territory_planner.ui.table_panel import Subset

ACCOUNT_COLUMNS = [
    Column("account_id", "ID", width=70),
    Column("name", "Name", width=280),
    Column("territory", "Territory", width=150),
    Column("city", "City", width=130),
    Column("state", "State", width=50),
    Column("zip", "ZIP", width=60),
    Column("industry", "Industry", width=130),
    Column("size_band", "Size", width=90),
    Column("annual_revenue", "Revenue", money, numeric=True, width=100),
    Column("potential", "Potential", money, numeric=True, width=100),
    Column("visit_frequency", "Visits", width=80),
    Column("geocode", "Placed by", width=80),
    Column("placed_by", "Assigned by", width=120),
]
REP_COLUMNS = [
    Column("name", "Rep", editable=True, width=130),
    Column("email", "Email", editable=True, width=170),
    Column("home_zip", "Home ZIP", editable=True, width=70),
    Column("home_city", "Home city", editable=True, width=110),
    Column("weekly_capacity_hours", "Hours/week", integer, numeric=True, editable=True, width=80),
    Column("work_days", "Days", editable=True, width=140),
    Column("day_start", "Start", editable=True, width=55),
    Column("day_end", "End", editable=True, width=55),
    Column("skills", "Skills", editable=True, width=140),
    Column("start_date", "Start date", editable=True, width=90),
]
ACCOUNT_SUBSETS: list[Subset] = [
    ("All accounts", None),
    ("Not placed", lambda f: (f["geocode"] == "unplaced").to_numpy()),
    ("Not in a territory", lambda f: f["territory"].isna().to_numpy()),
    ("Locked", lambda f: f["locked"].to_numpy(dtype=bool)),
    ("Placed by ZIP", lambda f: (f["geocode"] == "zip").to_numpy()),
    ("Placed by city", lambda f: (f["geocode"] == "city").to_numpy()),
    ("Placed by hand", lambda f: (f["geocode"] == "manual").to_numpy()),
]
COVERAGE_COLUMNS = [
    Column("kind", "Kind", width=70),
    Column("where", "Where", width=260),
    Column("area_km2", "Area km²", integer, numeric=True, width=80),
    Column("accounts", "Accounts", integer, numeric=True, width=70),
]
