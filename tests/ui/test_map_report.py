"""The printable map report: a two-page PDF (map, then KPIs) and a PNG of the map page."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from territory_planner.analysis import market
from territory_planner.analysis.metrics import territory_kpis
from territory_planner.edits import RenameTerritory
from territory_planner.model import Project
from territory_planner.ui.main_window import MainWindow
from territory_planner.ui.map_report import write_map_report
from tests.ui.conftest import page_stats, wait_for_map
from tests.ui.test_panel_overlays import show_a_route, wait_stats


def colours(image: QImage, step: int = 7) -> int:
    """How many distinct colours a sample of the image holds (a blank page has one)."""
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_pdf_has_the_map_and_the_kpi_table(qtbot, window: MainWindow, demo_file, tmp_path) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    pdf = window.exports.export_report("pdf", tmp_path / "report.pdf")
    assert pdf is not None
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    assert document.pageCount() == 3  # map, KPIs, changes
    map_page = document.render(0, QSize(1100, 850))
    assert colours(map_page) > 40  # the map, not an empty frame
    # text comes back in glyph runs split by line breaks: compare without white space
    first = "".join(document.getAllText(0).text().split())
    second = "".join(document.getAllText(1).text().split())
    names = ["".join(n.split()) for n in window.project.territories["name"]]
    assert "".join(window.project.name.split()) in first
    assert all(name in first for name in names)  # the legend
    assert "KPIs" in second
    assert all(name in second for name in names)
    assert "Allterritories" in second
    total = int(window.kpis["accounts"].sum())
    assert f"{total:,}" in second
    assert "Nochangesweremadeinthissession" in "".join(document.getAllText(2).text().split())
    png = window.exports.export_report("png", tmp_path / "map.png")
    image = QImage(str(png))
    assert (image.width(), image.height()) == (3300, 2550)
    assert colours(image, 23) > 40
    # a folder that cannot be written: a clear error, no file
    assert window.exports.export_report("pdf", tmp_path / "missing" / "r.pdf") is None
    assert "cannot write" in window.last_error


def pdf_pages(path) -> list[str]:
    """The text of each page of the PDF at `path`, without white space."""
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    pages = ["".join(document.getAllText(n).text().split()) for n in range(document.pageCount())]
    document.close()
    return pages


def test_the_session_changes_are_a_page_of_the_report(
    qtbot, window: MainWindow, demo_file, tmp_path
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    earlier = len(window.session.entries)
    territory = str(window.project.territories["territory_id"].iloc[0])
    window.push_edit(RenameTerritory(window.project, territory, "Lakeshore North"))
    window.push_edit(RenameTerritory(window.project, territory, "Lakeshore South"))
    pdf = window.exports.export_report("pdf", tmp_path / "workshop.pdf")
    assert pdf is not None
    pages = pdf_pages(pdf)
    assert len(pages) == 3
    assert "changesinthissession" in pages[2]
    assert f"{earlier + 2}changes" in pages[2]
    texts = [text for _when, text in window.session.entries]
    assert "Lakeshore North" in texts[-2]
    for text in texts:
        assert "".join(text.split()) in pages[2]
    assert pages[2].index("LakeshoreNorth") < pages[2].index("LakeshoreSouth")  # oldest first
    when = window.session.entries[-1][0]
    assert when.replace("T", "")[:15] in pages[2]  # "2026-12-0610:15": the time, to the minute


def test_a_long_change_log_runs_onto_more_pages(tmp_path, demo_project: Project) -> None:
    kpis = territory_kpis(demo_project)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    changes = [
        (f"2026-12-06T09:{n % 60:02d}:00+00:00", f"Moved county number {n} to the north " * 3)
        for n in range(120)
    ]
    pdf = write_map_report(tmp_path / "long.pdf", "Workshop", image, kpis, changes=changes)
    pages = pdf_pages(pdf)
    assert len(pages) > 4  # map, KPIs, and the changes over several pages
    log = "".join(pages[2:])
    assert all(f"Movedcountynumber{n}tothenorth" in log for n in range(120))  # none cut off
    assert all("Workshop:changesinthissession(continued)" in page for page in pages[3:])
    png = write_map_report(tmp_path / "long.png", "Workshop", image, kpis, changes=changes)
    assert QImage(str(png)).width() == 3300  # the image is the map page alone


def test_the_legend_keys_the_layers_chosen_for_the_report(tmp_path, demo_project: Project) -> None:
    kpis = territory_kpis(demo_project)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(0xFFDDEEFF)
    names = ["".join(str(n).split()) for n in kpis["name"]]

    plan = pdf_pages(write_map_report(tmp_path / "plan.pdf", "Plan", image, kpis))[0]
    assert all(name in plan for name in names)
    for text in ("Onthemap", "Territorynameandrep", "Account,initsterritory'scolour",
                 "Rep'shome", "Gap:innoterritory", "Overlapofterritories"):  # fmt: skip
        assert text in plan
    for text in ("Dayroute", "Heatmap", "Performancealert", "Clusterorwhitespace"):
        assert text not in plan  # working overlays: not chosen, not keyed

    chosen = ["territories", "route", "heat"]
    route = pdf_pages(write_map_report(tmp_path / "r.pdf", "R", image, kpis, layers=chosen))[0]
    assert "Dayroute,stopsinorder" in route
    assert "Heatmap(keyonthemap)" in route
    assert all(name in route for name in names)
    assert "Rep'shome" not in route
    assert "Gap:innoterritory" not in route

    alone = pdf_pages(write_map_report(tmp_path / "a.pdf", "A", image, kpis, layers=["route"]))[0]
    assert "Dayroute" in alone
    assert not any(name in alone for name in names)  # no territories on the map: none listed


def test_rep_one_pagers(qtbot, window: MainWindow, demo_file, tmp_path) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    project = window.project
    staffed = [r for r in project.reps["rep_id"] if r in set(project.territories["rep_id"])]
    pdf = window.exports.export_rep_pages(tmp_path / "reps.pdf")
    assert pdf is not None
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    assert document.pageCount() == len(staffed)
    for page, rep_id in enumerate(staffed):
        text = "".join(document.getAllText(page).text().split())
        rep = project.reps.set_index("rep_id").loc[rep_id]
        mine = project.territories[project.territories["rep_id"] == rep_id]
        acc = project.accounts[project.accounts["territory_id"].isin(set(mine["territory_id"]))]
        assert "".join(str(rep["name"]).split()) in text
        assert f"Accountsbypotential({len(acc):,})" in text
        top = acc.sort_values("potential", ascending=False)["name"].iloc[0]
        assert "".join(str(top).split()) in text  # the biggest account is listed
        yearly = (
            acc["visit_frequency"]
            .map({"weekly": 52, "biweekly": 26, "monthly": 13, "quarterly": 4})
            .fillna(0)
            .sum()
        )  # every 4 weeks
        assert f"{yearly:,.0f}visitsayear" in text
    assert colours(document.render(0, QSize(850, 1100))) > 20  # the map is drawn


def test_the_report_shows_the_layers_chosen_for_it(
    qtbot, window: MainWindow, demo_file, tmp_path
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    at_grab: list[dict] = []  # what the page showed when the map was grabbed
    grab = window.map_view.grab
    window.map_view.grab = lambda *a: (at_grab.append(page_stats(qtbot, window)), grab(*a))[1]

    window.calendar_dock.raise_()
    stops = show_a_route(window)
    wait_stats(qtbot, window, lambda s: s["routeStops"] == stops)
    assert window.exports.export_report("pdf", tmp_path / "plan.pdf") is not None
    hidden = set(at_grab[-1]["hidden"])
    assert "route" in hidden  # a working overlay: printed only when chosen
    assert not hidden & {"territories", "labels", "accounts", "reps", "coverage"}
    assert "route" not in page_stats(qtbot, window)["hidden"]  # back on screen after

    assert window.exports.export_report("png", tmp_path / "routes.png", ["territories", "route"])
    hidden = set(at_grab[-1]["hidden"])
    assert "route" not in hidden
    assert {"accounts", "reps", "labels"} <= hidden

    window.analysis.market_dock.raise_()
    found = market.find_clusters(window.project, radius_km=50, min_accounts=5)
    window.analysis.market_panel.clusters_requested.emit(found.as_layer())
    wait_stats(qtbot, window, lambda s: "clusters" in s["legendsShown"])
    assert window.exports.export_report("pdf", tmp_path / "plan2.pdf") is not None
    assert "clusters" in at_grab[-1]["hidden"]
    assert "clusters" not in at_grab[-1]["legendsShown"]  # its legend goes with it
    assert "clusters" in page_stats(qtbot, window)["legendsShown"]


def test_the_report_layers_dialog_starts_with_the_plan_layers(qtbot) -> None:
    from territory_planner.ui.report_layers import DEFAULT_REPORT_LAYERS, ReportLayersDialog

    dialog = ReportLayersDialog(DEFAULT_REPORT_LAYERS)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == ["territories", "labels", "accounts", "reps", "coverage"]
    dialog.boxes["accounts"].setChecked(False)
    dialog.boxes["route"].setChecked(True)
    assert dialog.chosen() == ["territories", "labels", "reps", "coverage", "route"]


def test_the_layers_are_asked_after_the_file_and_remembered(
    qtbot, window: MainWindow, demo_file, tmp_path, monkeypatch
) -> None:
    from territory_planner.ui import export_actions

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    target = tmp_path / "only territories.png"
    monkeypatch.setattr(
        export_actions.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "")
    )
    offered: list[list[str]] = []

    def ask(chosen, _parent):
        offered.append(list(chosen))
        return ["territories", "labels"]

    monkeypatch.setattr(export_actions, "ask_report_layers", ask)
    assert window.exports.export_report("png") == target
    assert offered == [["territories", "labels", "accounts", "reps", "coverage"]]
    assert window.exports.report_layers == ["territories", "labels"]
    monkeypatch.setattr(export_actions, "ask_report_layers", lambda *_a: None)  # Cancel
    target.unlink()
    assert window.exports.export_report("png") is None
    assert not target.exists()
