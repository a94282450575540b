"""Write settings_3f0cf97.json: a project's settings as the writers of commit 3f0cf97 made them.

Every settings key is set, each by the writer the window or the CLI used before the typed
settings (issue 16): the balance band and the rules as the CLI stored them, the quota plan,
thresholds, goals, segments and parent policy by their ``as_settings``-style helpers, the
plan's name and note, and two change-log entries. The committed file was made by running
this against commit 3f0cf97 (``PYTHONPATH=<checkout of 3f0cf97> python
tests/data/make_old_settings.py > tests/data/settings_3f0cf97.json``); run against the
current code it prints the same text.
"""

from __future__ import annotations

import datetime as dt
import json

from territory_planner.analysis.conditions import condition_from_data
from territory_planner.analysis.market_segments import Segment, segments_setting
from territory_planner.analysis.metrics import QuotaPlan

try:  # since the split of analysis.performance
    from territory_planner.analysis.performance_settings import ActivityGoals, Thresholds
except ImportError:  # commit 3f0cf97
    from territory_planner.analysis.performance import ActivityGoals, Thresholds  # type: ignore[attr-defined,no-redef]
from territory_planner.model import Project, record_change
from territory_planner.plan.parents import FOLLOW_PARENT, policy_setting


def old_settings() -> dict[str, str]:
    """The settings, every key set.

    Returns
    -------
    dict[str, str]
        Settings key -> stored text.
    """
    project = Project.empty("settings")
    s = project.settings
    s["balance_tolerance"] = repr(0.03)
    s.update(QuotaPlan(team_target=1250000.0, potential_weight=0.7, growth=0.08).as_settings())
    s.update(Thresholds(attainment_below=0.75, yoy_below=None, penetration_below=0.2).as_settings())
    goals = (
        ActivityGoals()
        .with_goal("calls", 480)
        .with_goal("meetings", 60, "territory", "T1")
        .with_goal("emails", 900, "rep", "R2")
    )
    s.update(goals.as_settings())
    when = [["industry", "=", "Healthcare"], ["employees", ">", 500]]
    big = Segment("Big hospitals", tuple(condition_from_data(c, "segment") for c in when))
    s.update(segments_setting([big, Segment("Everyone")]))
    s.update(policy_setting(FOLLOW_PARENT))
    rules = [{"name": "Hospitals", "territory": "T1", "when": [["industry", "=", "Healthcare"]]}]
    s["rules"] = json.dumps(rules)
    s["scenario"] = "Spring plan"
    s["scenario_note"] = "Designed: 2 territories balanced on potential"
    record_change(
        project, dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), "Balance band set to ±3.0%"
    )
    record_change(
        project,
        dt.datetime(2026, 3, 1, 9, 31, tzinfo=dt.UTC),
        "Quotas: team target $1.25M – ünïcode",
    )
    return s


if __name__ == "__main__":
    print(json.dumps(old_settings(), indent=2, sort_keys=True, ensure_ascii=False))
