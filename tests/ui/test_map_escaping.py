"""Imported text is shown as text on the map: never parsed as HTML, never run as script.

Account, territory and rep names (and what the app sends later: a day's route, a
shading legend) carry HTML and script payloads. Every tooltip, popup, label and
legend entry is opened in the real page (QtWebEngine), and must show the payload
letter for letter while no element or handler of it exists. A control first
proves that the same payload, parsed as HTML in this page, would be caught.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np

from territory_planner.analysis.performance_alerts import PerformanceAlert
from territory_planner.mapview.overlays import alerts_layer, segment_layer
from territory_planner.model import Project
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import run_js, wait_for_map

IMG = '<img src=x onerror="window.tpXss = (window.tpXss || 0) + 1">'
SVG = '<svg onload="window.tpXss = (window.tpXss || 0) + 1"></svg>'
PAYLOADS = [
    IMG,
    SVG,
    "<b>bold</b> & <i>co</i>",
    '"); window.tpXss = 1; ("',
    "</script><script>window.tpXss = 1</script>",
    "line\u2028separator",
    '=HYPERLINK("http://evil.example")',
]

#: Opens every tooltip on the map and reports what the page now holds.
PROBE = """
(function () {
  var opened = 0, popups = [];
  var INJECTED = 'img[src="x"], svg[onload], b, i';
  var names = [], ids = [], injected = 0;
  var count = JSON.parse(TP.stats()).accounts;
  for (var a = 0; a < count; a++) {
    var tip = TP.accountTip(a);  // the accounts share one tooltip: read each in turn
    opened++;
    names.push(tip.querySelector('.tp-tooltip-name').textContent);
    ids.push(tip.querySelector('.tp-tooltip-sub').textContent);
    injected += tip.querySelectorAll(INJECTED).length;
  }
  map_tp.eachLayer(function (layer) {
    if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened++; }
    if (layer.getPopup && layer.getPopup()) {  // one popup open at a time: check each in turn
      layer.openPopup();
      var node = layer.getPopup().getElement();
      popups.push(node ? node.querySelectorAll(INJECTED).length : 0);
    }
  });
  function texts(selector, first) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (node) {
      return first ? node.firstChild.nodeValue : node.textContent;
    });
  }
  return JSON.stringify({
    opened: opened,
    tooltips: names.concat(texts('.tp-tooltip-name')),
    subs: ids.concat(texts('.tp-tooltip-sub')),
    labels: texts('.tp-territory-label', true),
    legend: texts('.tp-legend'),
    injected: injected + document.querySelectorAll(INJECTED).length,
    popups: popups,
    xss: window.tpXss || 0
  });
})()
"""

CONTROL = (
    "(function () { var d = document.createElement('div'); d.id = 'tp-control';"
    f" d.innerHTML = {json.dumps(IMG)}; document.body.appendChild(d); return 'added'; }})()"
)


def probe(qtbot, window: MainWindow) -> dict[str, Any]:
    run_js(qtbot, window, PROBE)
    qtbot.wait(500)  # an <img> that failed to load runs its onerror a moment later
    result: dict[str, Any] = json.loads(run_js(qtbot, window, PROBE))
    return result


def test_names_with_html_show_as_text(qtbot, window: MainWindow, fresh_demo: Project) -> None:
    project = fresh_demo
    n = len(PAYLOADS)
    project.accounts.loc[: n - 1, "name"] = PAYLOADS
    project.accounts.loc[: n - 1, "account_id"] = [f"{p} #{i}" for i, p in enumerate(PAYLOADS)]
    project.territories["name"] = PAYLOADS[: len(project.territories)]
    project.reps.loc[: len(project.reps) - 1, "name"] = PAYLOADS[1 : len(project.reps) + 1]
    window.set_project(project, None)
    wait_for_map(qtbot, window, len(project.accounts))

    # The control: parsed as HTML, the payload is caught by the probe.
    assert run_js(qtbot, window, CONTROL) == "added"
    seen = probe(qtbot, window)
    assert seen["xss"] >= 1
    assert seen["injected"] >= 1
    run_js(qtbot, window, "document.getElementById('tp-control').remove(); window.tpXss = 0; 1")

    stops = [
        {"lat": 41.9, "lon": -87.7 + i / 10, "name": p, "when": p} for i, p in enumerate(PAYLOADS)
    ]
    found = [  # an alert per payload, on the territories (named by payloads) and a rep
        PerformanceAlert(level, key, p, "attainment_below", 0.5, 0.8, p)
        for p in PAYLOADS
        for level, key in (
            ("territory", project.territories["territory_id"].iloc[PAYLOADS.index(p) % 2]),
            ("rep", project.reps["rep_id"].iloc[0]),
        )
    ]
    segment = np.zeros(len(project.accounts), dtype=bool)
    segment[:n] = True
    window.map_view.send_update(
        {
            "route": {"home": [41.8, -87.8], "stops": stops, "fit": False},
            "shade": {"title": SVG, "colors": {}, "legend": [["#ffffff", IMG], ["#000000", SVG]]},
            "segment": segment_layer(project, SVG, segment),
            "alerts": alerts_layer(project, found, dt.date(2026, 1, 31)),
        }
    )
    seen = probe(qtbot, window)
    assert seen["xss"] == 0, "a payload ran"
    assert seen["injected"] == 0, "a payload became an element"
    assert not any(seen["popups"]), "a popup holds a payload as HTML"
    assert seen["opened"] >= len(project.accounts) + len(stops)
    for payload in PAYLOADS:
        assert seen["tooltips"].count(payload) >= 2, payload  # its account and its route stop
        assert f"{payload} #{PAYLOADS.index(payload)}" in seen["subs"]  # the account ID
    assert sorted(seen["labels"]) == sorted(project.territories["name"])
    assert set(project.reps["name"]) <= set(seen["tooltips"])
    assert SVG + IMG + SVG in seen["legend"]
    assert any(text.startswith(SVG + f"{n} of ") for text in seen["legend"])  # the segment
    for payload in PAYLOADS:  # each alert's sentence in its territory's and rep's badge
        assert seen["subs"].count(f"Behind pace: {payload}") == 2, payload
