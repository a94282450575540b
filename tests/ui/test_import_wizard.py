"""The Import wizard driven like a user would, and the panels that fix what it reports."""

from __future__ import annotations

import csv

import pytest

from territory_planner.ui.import_wizard import ACCOUNTS, REPS, ImportWizard, actuals_kind
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map
from tests.unit.test_import_files import CASES, DATA

KUNDEN = (
    "Kunden-Nr;Firma;PLZ;Ort;Umsatz;Breite;Länge;Branche;Bezirk;State\n"
    'K1;Müller Stahl;60601;Chicago;"1.234,56";41.88;-87.63;Manufacturing;Nord;IL\n'
    "K2;;60602;Chicago;5;;;Retail;Nord;IL\n"
    'K3;Café Central;10001;New York;"$12k";-74.0;40.75;Hospitality;Ost;NY\n'
    "K1;Dup;60603;;;;;;;\n"
    "\n"
    "K4;Lone Star Supply;;Dallas;;;;Retail;Süd;Texas\n"
)


@pytest.fixture
def kunden(tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN.encode("cp1252"))
    return path


def run_wizard(qtbot, window: MainWindow, kind, path) -> ImportWizard:
    window.files.import_dialog(kind)
    wizard = window.files.wizard
    wizard.file_page.path_edit.setText(str(path))
    wizard.file_page.preview()
    assert wizard.file_page.isComplete()
    wizard.next()
    return wizard


def wait_report(qtbot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.report_page.done, timeout=MAP_TIMEOUT_MS)


def test_wizard_imports_a_messy_latin1_file(
    qtbot, window: MainWindow, demo_file, tmp_path, kunden
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    wizard = run_wizard(qtbot, window, ACCOUNTS, kunden)
    assert (
        "encoding cp1252, delimiter semicolon" in wizard.file_page.info.text()
        or wizard.raw.encoding == "cp1252"
    )
    mapping = wizard.mapping_page.mapping()
    assert mapping["name"] == "Firma"
    assert mapping["zip"] == "PLZ"
    assert mapping["annual_revenue"] == "Umsatz"
    assert mapping["lon"] == "Länge"
    wizard.mapping_page.set_column("industry", "")  # the user decides not to import it
    wizard.next()
    wait_report(qtbot, wizard)
    report = wizard.report
    assert report.imported == 3
    assert sorted((r["row"], r["reason"]) for r in report.rejected) == [
        (3, "missing account name"),
        (5, "duplicate account ID 'K1' (first in row 2)"),
        (6, "empty row"),
    ]
    assert report.swapped_rows == [4]
    assert wizard.report_page.model.rowCount() == 4  # 3 rejected + 1 warning
    wizard.report_page.filter.setText("duplicate")
    assert wizard.report_page.model.rowCount() == 1
    assert "3 accounts ready to import" in wizard.report_page.summary.text()
    assert "300 not in the file (kept)" in wizard.report_page.summary.text()

    wizard.accept()
    accounts = window.project.accounts.set_index("account_id")
    assert len(accounts) == 303
    assert accounts.loc["K1", "annual_revenue"] == pytest.approx(1234.56)
    assert accounts.loc["K3", "name"] == "Café Central"
    assert accounts.loc["K3", "lat"] == pytest.approx(40.75)  # swapped back
    assert accounts.loc["K4", "geocode"] == "city"
    assert accounts.loc["K1", "Bezirk"] == "Nord"  # kept as a custom attribute
    assert "Branche" in accounts.columns  # un-mapped, so kept as custom too
    assert window.account_model.rowCount() == 303
    window.undo_stack.undo()
    assert len(window.project.accounts) == 300


def test_wizard_without_swap_fix_and_report_export(
    qtbot, window: MainWindow, kunden, tmp_path, monkeypatch
) -> None:
    wizard = run_wizard(qtbot, window, ACCOUNTS, kunden)
    wizard.next()
    wait_report(qtbot, wizard)
    wizard.report_page.swap_box.setChecked(False)  # runs the import again
    wait_report(qtbot, wizard)
    out = tmp_path / "report.csv"
    monkeypatch.setattr(
        "territory_planner.ui.import_wizard.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(out), ""),
    )
    wizard.report_page.export_button.click()
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["kind"], r["row"]) for r in rows] == [
        ("rejected", "3"),
        ("warning", "4"),
        ("rejected", "5"),
        ("rejected", "6"),
    ]
    wizard.accept()
    k3 = window.project.accounts.set_index("account_id").loc["K3"]
    assert k3["geocode"] == "zip"  # swapped coordinates were not used; placed by ZIP 10001
    wizard.deleteLater()


def test_wizard_refuses_to_go_on_without_a_name_column(qtbot, window: MainWindow, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("code,where\n1,60601\n2,10001\n", encoding="utf-8")
    wizard = run_wizard(qtbot, window, ACCOUNTS, path)
    assert wizard.mapping_page.mapping()["name"] == ""
    assert not wizard.mapping_page.validatePage()
    wizard.mapping_page.set_column("name", "code")
    assert wizard.mapping_page.validatePage()


def test_wizard_explains_an_unreadable_file(qtbot, window: MainWindow, tmp_path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    window.files.import_dialog(ACCOUNTS)
    page = window.files.wizard.file_page
    page.path_edit.setText(str(path))
    page.preview()
    assert not page.isComplete()
    assert "not a text file" in page.info.text()
    assert "photo.csv" in page.info.text()


def test_reps_import_and_edit_in_the_panel(qtbot, window: MainWindow, demo_file, tmp_path) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    roster = tmp_path / "reps.csv"
    roster.write_text(
        "Rep ID,Name,Email,Zip,Hours per week,Working days,Start,End\n"
        "R01,Maria Alvarez,maria@example.com,60614,32,Mon-Thu,7:30,4pm\n"
        "R99,New Hire,new@example.com,75201,40,M-F,8,17\n",
        encoding="utf-8",
    )
    wizard = run_wizard(qtbot, window, REPS, roster)
    wizard.next()
    wait_report(qtbot, wizard)
    wizard.accept()
    reps = window.project.reps.set_index("rep_id")
    assert len(reps) == 5
    assert reps.loc["R01", "weekly_capacity_hours"] == 32
    assert reps.loc["R01", "work_days"] == "Mon,Tue,Wed,Thu"
    assert (reps.loc["R01", "day_start"], reps.loc["R01", "day_end"]) == ("07:30", "16:00")
    assert reps.loc["R99", "home_zip"] == "75201"
    assert window.rep_model.rowCount() == 5

    row = window.rep_model.view_row("rep_id", "R99")
    capacity = [c.key for c in window.rep_model.columns].index("weekly_capacity_hours")
    assert window.rep_model.setData(window.rep_model.index(row, capacity), "36")
    assert window.project.reps.set_index("rep_id").loc["R99", "weekly_capacity_hours"] == 36
    assert window.rep_model.setData(window.rep_model.index(row, capacity), "lots")
    assert "not a number of hours" in window.last_error
    assert window.project.reps.set_index("rep_id").loc["R99", "weekly_capacity_hours"] == 36
    window.undo_stack.undo()
    assert window.project.reps.set_index("rep_id").loc["R99", "weekly_capacity_hours"] == 40


def test_unplaced_account_is_placed_by_zip_and_by_map_click(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    from territory_planner.edits import SetCells

    target = window.project.accounts["account_id"].iloc[0]
    window.push_edit(
        SetCells(
            window.project,
            "accounts",
            target,
            {"lat": float("nan"), "lon": float("nan"), "geocode": "unplaced"},
            "unplace",
        )
    )
    window.account_panel.choose_subset("Not placed")
    assert window.account_model.rowCount() == 1
    qtbot.waitUntil(lambda: window.map_view.is_ready, timeout=MAP_TIMEOUT_MS)

    window.map_interaction.start_placing(target)
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js("map_tp.fire('click', {latlng: L.latLng(41.9, -87.7)})")
    account = window.project.accounts.set_index("account_id").loc[target]
    assert (account["geocode"], account["lat"], account["lon"]) == ("manual", 41.9, -87.7)
    assert window.account_model.rowCount() == 0  # no longer in "Not placed"

    from territory_planner.edits import place_account_at_zip

    window.push_edit(place_account_at_zip(window.project, target, "2134"))
    account = window.project.accounts.set_index("account_id").loc[target]
    assert account["zip"] == "02134"
    assert account["geocode"] == "zip"
    assert account["lat"] == pytest.approx(42.35, abs=0.05)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wizard_gives_the_same_result_as_the_cli_for_every_fixture(
    qtbot, window: MainWindow, name: str
) -> None:
    imported, rejected, warnings, _geocoded = CASES[name]
    wizard = run_wizard(qtbot, window, ACCOUNTS, DATA / name)
    if not wizard.mapping_page.validatePage():
        pytest.fail(f"{name}: no name column detected")
    wizard.next()
    wait_report(qtbot, wizard)
    report = wizard.report
    assert report.imported == imported
    assert sorted(r["row"] for r in report.rejected) == [row for row, _ in rejected]
    assert sorted(w["row"] for w in report.warnings) == sorted(row for row, _ in warnings)
    assert wizard.report_page.model.rowCount() == len(rejected) + len(warnings)
    wizard.accept()
    assert len(window.project.accounts) == imported
    wizard.deleteLater()


def test_sales_and_activities_import(qtbot, window: MainWindow, demo_file, tmp_path) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    before = len(window.project.actuals)
    ids = window.project.accounts["account_id"].iloc[:2].tolist()
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "Account ID;Month;Revenue;Calls\n"
        f"{ids[0]};2026-11;1200,50;3\n"
        f"{ids[1]};Nov 2026;800;\n"
        "NOPE;2026-11;10;1\n"
        f"{ids[1]};someday;5;1\n",
        encoding="utf-8-sig",
    )
    wizard = run_wizard(qtbot, window, actuals_kind(window.project.accounts["account_id"]), sales)
    wizard.next()
    wait_report(qtbot, wizard)
    assert wizard.report is not None
    assert sorted(r["row"] for r in wizard.report.rejected) == [4, 5]  # unknown account, bad period
    assert "2 account-periods" in wizard.merge_preview()
    wizard.accept()
    added = window.project.actuals[window.project.actuals["period"] == "2026-11"]
    assert len(window.project.actuals) == before + 2
    assert added.set_index("account_id").loc[ids[0], "sales"] == 1200.5
    assert added.set_index("account_id").loc[ids[0], "calls"] == 3
    assert "Imported sales.csv: 2 account-periods" in window.change_log[-1]
    window.undo_stack.undo()
    assert len(window.project.actuals) == before
