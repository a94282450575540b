"""The printable map report: a two-page PDF (map, then KPIs) and a PNG of the map page."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from territory_planner.mapping import market
from territory_planner.ui.main_window import MainWindow
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
    assert document.pageCount() == 2
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
    png = window.exports.export_report("png", tmp_path / "map.png")
    image = QImage(str(png))
    assert (image.width(), image.height()) == (3300, 2550)
    assert colours(image, 23) > 40
    # a folder that cannot be written: a clear error, no file
    assert window.exports.export_report("pdf", tmp_path / "missing" / "r.pdf") is None
    assert "cannot write" in window.last_error


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
