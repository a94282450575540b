/* Territory Planner map page: offline basemap, project layers, and the bridge to the app.
 *
 * Python builds the page (folium) and calls TP.init(map, options) once loaded. Data comes in
 * as JSON strings through TP.update(text); events go out through the QWebChannel object
 * "bridge" as JSON strings: {"type": "ready" | "map_clicked" | "account_clicked" |
 * "territory_clicked" | "feature_drawn", ...}.
 */
(function () {
  "use strict";

  var S = {
    map: null, options: {}, bridge: null, queue: [], ready: false,
    basemap: { countries: 0, states: 0, counties: 0, cities: 0 },
    layers: {}, accountCount: 0, territoryCount: 0, repCount: 0, coverageCount: 0, selected: null,
    shade: null, legends: {}, overlays: {},
    territoryLayers: {}, points: null,
    segment: null, segmentShown: 0, alertCount: 0, lastFit: null
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;  // text only: names are never parsed as HTML
    return node;
  }

  function send(message) {
    var text = JSON.stringify(message);
    if (S.bridge) { S.bridge.send(text); } else { S.queue.push(text); }
  }

  function pane(name, z, interactive) {
    var p = S.map.createPane(name);
    p.style.zIndex = z;
    if (!interactive) p.style.pointerEvents = "none";
    return p;
  }

  /* ---------- basemap ---------- */

  function drawBasemap(data) {
    var map = S.map;
    var land = L.canvas({ pane: "tp-land", padding: 0.3 });
    var world = data.world, us = data.us;
    var countries = topojson.feature(world, world.objects.countries);
    L.geoJSON(countries, {
      renderer: land, interactive: false,
      style: { fillColor: "#ece8df", fillOpacity: 1, color: "#b9b2a6", weight: 0.8 }
    }).addTo(map);
    S.basemap.countries = countries.features.length;

    L.geoJSON({ type: "GeometryCollection", geometries: data.lakes || [] }, {
      renderer: land, interactive: false,
      style: { fillColor: "#c9dbe8", fillOpacity: 1, stroke: false }
    }).addTo(map);

    var nation = topojson.feature(us, us.objects.nation);
    L.geoJSON(nation, {
      renderer: land, interactive: false,
      style: { fillColor: "#f7f5f0", fillOpacity: 1, color: "#9c958a", weight: 1 }
    }).addTo(map);

    var lines = L.canvas({ pane: "tp-borders", padding: 0.3 });
    var counties = L.geoJSON(topojson.mesh(us, us.objects.counties, function (a, b) {
      return a !== b && a.id.slice(0, 2) === b.id.slice(0, 2);
    }), { renderer: lines, interactive: false, style: { color: "#d9d1c4", weight: 0.6 } });
    var states = L.geoJSON(topojson.mesh(us, us.objects.states, function (a, b) { return a !== b; }),
      { renderer: lines, interactive: false, style: { color: "#a39b8f", weight: 1.1 } });
    S.basemap.states = us.objects.states.geometries.length;
    S.basemap.counties = us.objects.counties.geometries.length;
    states.addTo(map);
    function countyVisibility() {
      if (map.getZoom() >= 6) { counties.addTo(map); } else { counties.remove(); }
    }
    map.on("zoomend", countyVisibility);
    countyVisibility();

    S.cities = data.cities;
    S.cityLayer = L.layerGroup().addTo(map);
    map.on("moveend", drawCities);  // and the collision pass (a zoom ends with a moveend)
    S.layers.cities = S.cityLayer;
  }

  function cityThreshold(zoom) {
    if (zoom < 4) return 3000000;
    if (zoom < 5) return 1000000;
    if (zoom < 6) return 400000;
    if (zoom < 7) return 150000;
    if (zoom < 8) return 80000;
    return 0;
  }

  function drawCities() {
    var map = S.map, bounds = map.getBounds().pad(0.1), min = cityThreshold(map.getZoom());
    S.cityLayer.clearLayers();
    S.cityLabels = [];
    for (var i = 0; i < S.cities.length; i++) {
      var c = S.cities[i];
      if (c[3] < min) break;  // sorted by population, largest first
      if (!bounds.contains([c[1], c[2]])) continue;
      var label = el("div", "tp-city" + (c[3] >= 1000000 ? " tp-big" : ""), c[0]);
      L.marker([c[1], c[2]], {
        pane: "tp-labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "", html: label, iconSize: null, iconAnchor: [3, 8] })
      }).addTo(S.cityLayer);
      S.cityLabels.push(label);
    }
    declutter();
    declutterSoon();  // again once the markers' zoom animation has ended (see init)
  }

  /* ---------- label collisions (tp/labels.js) ---------- */

  function declutter() {
    if (!S.map || !S.cityLabels) return;
    var counts = TPLabels.declutter(S);
    S.basemap.cities = counts.shown;
    S.basemap.citiesHidden = counts.hidden;
  }

  /* The collision pass on the next frame (once, however often asked). */
  function declutterSoon() {
    if (S.declutterAsked) return;
    S.declutterAsked = true;
    requestAnimationFrame(function () {
      S.declutterAsked = false;
      declutter();
    });
  }

  /* ---------- project layers ---------- */

  /* A tooltip: the name in bold, then a line (or each line of a list) below. */
  function tooltipFor(name, sub) {
    return function () {
      var box = el("div");
      box.appendChild(el("div", "tp-tooltip-name", name));
      [].concat(sub || []).forEach(function (line) {
        box.appendChild(el("div", "tp-tooltip-sub", line));
      });
      return box;
    };
  }

  /* The legend `key` (one each for shading, heat, clusters, segment, alerts): a bold title, then
   * a swatch and a text per entry ([colour, text, optional swatch class]; no colour: a note
   * without a swatch); no title removes it. */
  function setLegend(key, title, entries, position) {
    var had = !!S.legends[key];
    if (had) S.legends[key].remove();
    delete S.legends[key];
    if (!title) {
      if (had) refitIfUntouched();
      return;
    }
    var legend = L.control({ position: position });
    legend.onAdd = function () {
      var box = el("div", "tp-legend");
      box.appendChild(el("div", "tp-legend-title", title));
      (entries || []).forEach(function (entry) {
        var row = el("div", "tp-legend-row" + (entry[0] ? "" : " tp-legend-note"));
        if (entry[0]) {
          var swatch = el("span", "tp-swatch" + (entry[2] ? " " + entry[2] : ""));
          swatch.style.background = entry[0];
          row.appendChild(swatch);
        }
        row.appendChild(el("span", "", entry[1]));
        box.appendChild(row);
      });
      return box;
    };
    S.legends[key] = legend.addTo(S.map);
    if (S.groups[key] && !S.map.hasLayer(S.groups[key])) {
      legend.getContainer().style.display = "none";  // its layer is switched off
    }
    refitIfUntouched();
  }

  /* A territory's look: its own colour, or its shade when the map is shaded by a metric. */
  function territoryStyle(id, color, locked) {
    var on = id === S.selected, shade = S.shade && S.shade.colors[id];
    return { color: color, weight: on ? 4 : 2, opacity: 0.9, fillColor: shade || color,
             dashArray: locked ? "9 6" : null,
             fillOpacity: shade ? (on ? 0.8 : 0.65) : (on ? 0.3 : 0.16) };
  }

  function setTerritories(collection) {
    S.groups.territories.clearLayers();
    S.groups.labels.clearLayers();
    S.territoryLayers = {};
    var labels = S.groups.labels;
    var layer = L.geoJSON(collection, {
      pane: "tp-territories",
      renderer: L.canvas({ pane: "tp-territories", padding: 0.3 }),
      style: function (f) {
        return territoryStyle(f.properties.id, f.properties.color, f.properties.locked);
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        S.territoryLayers[p.id] = lyr;
        lyr.options.pmIgnore = !!p.locked;  // only unlocked territories can be edited
        if (L.PM && L.PM.reInitLayer) L.PM.reInitLayer(lyr);
        lyr.on("pm:edit", function () {
          send({ type: "territory_edited", id: p.id, geometry: lyr.toGeoJSON().geometry });
        });
        lyr.on("click", function (e) {
          L.DomEvent.stopPropagation(e);
          send({ type: "territory_clicked", id: p.id, lat: e.latlng.lat, lon: e.latlng.lng });
        });
        var box = el("div", "tp-territory-label", p.name);
        box.dataset.at = String(p.label);  // its alert badge's too (see declutter)
        var sub = [p.rep, p.locked ? "locked" : ""].filter(Boolean).join(" · ");
        if (sub) box.appendChild(el("span", "tp-rep", sub));
        L.marker(p.label, {
          pane: "tp-labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "", html: box, iconSize: null })
        }).addTo(labels);
      }
    });
    S.groups.territories.addLayer(layer);
    S.territoryCount = collection.features.length;
  }

  function setShade(shade) {
    S.shade = shade;
    restyle();
    setLegend("shade", shade && shade.title, shade && shade.legend, "bottomright");
  }

  /* Market layers ("heat", "clusters"): GeoJSON polygons filled (or outlined, when
   * properties.outline) in properties.color, points as dots, each with a tooltip, and a legend.
   * null removes the layer. */
  function setOverlay(key, data) {
    S.groups[key].clearLayers();
    setLegend(key, null);
    S.overlays[key] = { count: 0, title: null };
    if (!data) return;
    var pane = "tp-" + key;
    L.geoJSON(data.features, {
      pane: pane,
      renderer: L.canvas({ pane: pane, padding: 0.3 }),
      style: function (f) {
        var p = f.properties;
        return p.outline
          ? { color: p.color, weight: 2.5, dashArray: "6 4", fillColor: p.color, fillOpacity: 0.08 }
          : { color: "#ffffff", weight: 0.6, opacity: 0.8, fillColor: p.color, fillOpacity: 0.62 };
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { pane: pane, radius: 6, weight: 1.5, color: "#ffffff",
                                        fillColor: f.properties.color, fillOpacity: 0.95 });
      },
      onEachFeature: function (f, lyr) {
        lyr.bindTooltip(tooltipFor(f.properties.name, f.properties.label), { sticky: true });
        if (f.properties.account) {
          lyr.on("click", function (e) {
            L.DomEvent.stopPropagation(e);
            send({ type: "account_clicked", id: f.properties.account });
          });
        }
      }
    }).addTo(S.groups[key]);
    setLegend(key, data.title, data.legend, "bottomleft");
    S.overlays[key] = { count: data.features.features.length, title: data.title };
    if (!S.map.hasLayer(S.groups[key])) S.groups[key].addTo(S.map);
  }

  function setRoute(route) {
    S.groups.route.clearLayers();
    S.routeStops = 0;
    if (!route) return;
    var path = [route.home].concat(route.stops.map(function (s) { return [s.lat, s.lon]; }), [route.home]);
    L.polyline(path, { pane: "tp-route", color: "#1f3a93", weight: 4, opacity: 0.85,
                       interactive: false }).addTo(S.groups.route);
    route.stops.forEach(function (s, i) {
      var badge = el("div", "tp-stop", String(i + 1));
      L.marker([s.lat, s.lon], { pane: "tp-route", keyboard: false,
        icon: L.divIcon({ className: "", html: badge, iconSize: [22, 22], iconAnchor: [11, 11] }) })
        .bindTooltip(tooltipFor(s.name, s.when), { direction: "top", offset: [0, -10] })
        .addTo(S.groups.route);
    });
    S.routeStops = route.stops.length;
    if (route.fit !== false) fit(L.latLngBounds(path), true);
  }

  function setCoverage(collection) {
    S.groups.coverage.clearLayers();
    L.geoJSON(collection, {
      pane: "tp-coverage",
      interactive: false,
      style: function (f) {
        var gap = f.properties.kind === "gap";
        return { color: gap ? "#5f6670" : "#c0392b", weight: 1.5, dashArray: gap ? "5 4" : null,
                 fillColor: gap ? "#ffffff" : "#e74c3c", fillOpacity: gap ? 0.55 : 0.5 };
      }
    }).addTo(S.groups.coverage);
    S.coverageCount = collection.features.length;
  }

  /* Accounts: one canvas that draws every point from plain arrays (100k points stay light:
   * no Leaflet object per account). Hover shows one shared tooltip, a click sends
   * account_clicked; the points are found through a grid of the drawn positions. */
  var RADIUS = 4, HIT = RADIUS + 3, CELL = 16;

  function mercator(lat, lon) {
    var s = Math.sin(Math.max(-85.0511287798, Math.min(85.0511287798, lat)) * Math.PI / 180);
    return [0.5 + lon / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
  }

  function Points() {
    this.n = 0;
    this.renderer = L.canvas({ pane: "tp-accounts", padding: 0.3 });
    var points = this, drawLayers = this.renderer._draw;
    this.renderer._draw = function () {  // after the renderer cleared its canvas for a redraw
      drawLayers.call(this);
      points.draw();
    };
    this.tip = L.tooltip({ direction: "top", offset: [0, -4] });
    this.segment = null;  // a Set of account IDs: those ringed, the others small and grey
  }

  Points.prototype.set = function (a) {
    var n = a.id.length;
    this.id = a.id; this.name = a.name; this.color = a.color;  // kept, changed by recolor
    this.mx = new Float64Array(n); this.my = new Float64Array(n);
    this.index = {};
    for (var i = 0; i < n; i++) {
      var m = mercator(a.lat[i], a.lon[i]);
      this.mx[i] = m[0]; this.my[i] = m[1];
      this.index[a.id[i]] = i;
    }
    this.n = n;
    this.redraw();
  };

  Points.prototype.recolor = function (change) {
    for (var k = 0; k < change.index.length; k++) this.color[change.index[k]] = change.color[k];
    this.redraw();
  };

  Points.prototype.redraw = function () {
    if (this.renderer._map) this.renderer._update();  // resizes, clears and redraws
  };

  /* How a group of points looks: [radius, fill, fill opacity, stroke or null, stroke width]. */
  var LOOKS = {
    plain: function (color) { return [RADIUS, color, 0.95, "#ffffff", 0.8]; },
    ringed: function (color) { return [5.5, color, 1, "#1b1f24", 2]; },
    grey: function () { return [3, "#a9afb7", 0.45, null, 0]; }
  };

  /* A point's image for a look ("plain #hex", "ringed #hex", "grey"), drawn once and reused:
   * stamping 100k small images is many times cheaper than filling 100k circles. */
  Points.prototype.sprite = function (key) {
    var cached = this.sprites[key];
    if (cached) return cached;
    var parts = key.split(" "), style = LOOKS[parts[0]](parts[1]);
    var half = Math.ceil(style[0] + style[4]) + 1, canvas = document.createElement("canvas");
    canvas.width = canvas.height = 2 * half;
    var c = canvas.getContext("2d");
    c.beginPath();
    c.arc(half, half, style[0], 0, 2 * Math.PI);
    c.globalAlpha = style[2];
    c.fillStyle = style[1];
    c.fill();
    c.globalAlpha = 1;
    if (style[3]) {
      c.lineWidth = style[4];
      c.strokeStyle = style[3];
      c.stroke();
    }
    this.sprites[key] = { canvas: canvas, half: half };
    return this.sprites[key];
  };

  Points.prototype.draw = function () {
    var map = this.renderer._map, b = this.renderer._bounds;
    if (!map || !b) return;
    var ctx = this.renderer._ctx, scale = 256 * Math.pow(2, map.getZoom());
    var origin = map.getPixelOrigin(), groups = {}, grid = {}, segment = this.segment;
    var x0 = b.min.x - HIT, y0 = b.min.y - HIT, x1 = b.max.x + HIT, y1 = b.max.y + HIT;
    this.x = new Float32Array(this.n); this.y = new Float32Array(this.n);
    this.sprites = this.sprites || {};
    for (var i = 0; i < this.n; i++) {
      var x = this.mx[i] * scale - origin.x, y = this.my[i] * scale - origin.y;
      this.x[i] = x; this.y[i] = y;
      if (x < x0 || x > x1 || y < y0 || y > y1) continue;
      var cell = Math.floor(x / CELL) + "," + Math.floor(y / CELL);
      (grid[cell] || (grid[cell] = [])).push(i);
      var look = !segment ? "plain" : segment.has(this.id[i]) ? "ringed" : "grey";
      var key = look + (look === "grey" ? "" : " " + this.color[i]);
      var group = groups[key] || (groups[key] = { at: new Set(), xy: [] });
      var xi = Math.round(x), yi = Math.round(y), at = (xi + 32768) * 65536 + (yi + 32768);
      if (group.at.has(at)) continue;  // the same image on the same pixel: drawn once
      group.at.add(at);
      group.xy.push(xi, yi);
    }
    this.grid = grid;
    var keys = Object.keys(groups).sort(function (p, q) {  // grey under the segment's rings
      return (p === "grey" ? 0 : 1) - (q === "grey" ? 0 : 1);
    });
    for (var g = 0; g < keys.length; g++) {
      var sprite = this.sprite(keys[g]), xy = groups[keys[g]].xy, h = sprite.half;
      for (var j = 0; j < xy.length; j += 2) ctx.drawImage(sprite.canvas, xy[j] - h, xy[j + 1] - h);
    }
  };

  /* The account drawn nearest to a layer point, within the hit distance (or -1). */
  Points.prototype.hit = function (point) {
    if (!this.grid || !this.renderer._map) return -1;
    var best = -1, bestD = HIT * HIT;
    var cx = Math.floor(point.x / CELL), cy = Math.floor(point.y / CELL);
    for (var dx = -1; dx <= 1; dx++) {
      for (var dy = -1; dy <= 1; dy++) {
        var list = this.grid[(cx + dx) + "," + (cy + dy)] || [];
        for (var k = 0; k < list.length; k++) {
          var i = list[k], ex = this.x[i] - point.x, ey = this.y[i] - point.y, d = ex * ex + ey * ey;
          if (d <= bestD) { bestD = d; best = i; }  // the last drawn wins, as on screen
        }
      }
    }
    return best;
  };

  Points.prototype.latLng = function (i) {
    var map = this.renderer._map, scale = 256 * Math.pow(2, map.getZoom());
    return map.unproject([this.mx[i] * scale, this.my[i] * scale], map.getZoom());
  };

  /* Show account i's tooltip (its name and ID, as text); returns the tooltip's element. */
  Points.prototype.showTip = function (i) {
    this.tip.setContent(tooltipFor(this.name[i], this.id[i])());
    this.tip.setLatLng(this.latLng(i));
    this.renderer._map.openTooltip(this.tip);
    return this.tip.getElement();
  };

  Points.prototype.onMove = function (e) {
    var i = this.hit(e.layerPoint), map = this.renderer._map;
    map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
    if (i >= 0) { this.showTip(i); } else if (this.tip.isOpen()) { map.closeTooltip(this.tip); }
  };

  function setAccounts(a) {
    S.points.set(a);
    S.accountCount = a.id.length;
    if (S.segment) countSegment();
  }

  /* How many of the segment's accounts are drawn. */
  function countSegment() {
    var shown = 0, index = S.points.index;
    S.segment.ids.forEach(function (id) { if (id in index) shown++; });
    S.segmentShown = shown;
  }

  /* A market segment ({title, ids, legend}) or null: restyle the accounts already drawn
   * (only the IDs come in, never the account layer again). */
  function setSegment(segment) {
    S.segment = segment ? { title: segment.title, ids: new Set(segment.ids) } : null;
    S.points.segment = S.segment && S.segment.ids;
    S.segmentShown = 0;
    if (S.segment) countSegment();
    S.points.redraw();
    setLegend("segment", segment && segment.title, segment && segment.legend, "bottomleft");
  }

  /* Breached alerts ({title, legend, markers}) or null: a numbered badge just above each
   * territory's label, or right of a rep's home, the alerts in its tooltip. */
  function setAlerts(data) {
    S.groups.alerts.clearLayers();
    setLegend("alerts", null);
    S.alertCount = 0;
    if (!data) return;
    data.markers.forEach(function (m) {
      var badge = el("div", "tp-alert tp-alert-" + m.level, "\u26a0 " + m.count);
      if (m.level !== "rep") badge.dataset.at = String([m.lat, m.lon]);  // over its name
      var anchor = m.level === "rep" ? [-10, 9] : [15, 40];
      L.marker([m.lat, m.lon], {
        pane: "tp-alerts", keyboard: false, title: "",
        icon: L.divIcon({ className: "", html: badge, iconSize: [30, 18], iconAnchor: anchor })
      }).bindTooltip(tooltipFor(m.name, m.lines), {
        direction: "top", offset: [15 - anchor[0], -anchor[1]], className: "tp-alert-tooltip"
      })
        .addTo(S.groups.alerts);
    });
    S.alertCount = data.markers.length;
    setLegend("alerts", data.title, data.legend, "bottomright");
  }

  function setReps(reps) {
    S.groups.reps.clearLayers();
    var group = S.groups.reps;
    reps.forEach(function (r) {
      var home = el("div", "tp-home");
      home.style.background = r.color;
      var icon = L.divIcon({ className: "", html: home, iconSize: [14, 14] });
      L.marker([r.lat, r.lon], { icon: icon, pane: "tp-labels", keyboard: false, title: "" })
        .bindTooltip(tooltipFor(r.name, "Home base"), { direction: "top", offset: [0, -8] })
        .addTo(group);
    });
    S.repCount = reps.length;
  }

  function restyle() {
    Object.keys(S.territoryLayers).forEach(function (id) {
      var lyr = S.territoryLayers[id];
      lyr.setStyle(territoryStyle(id, lyr.feature.properties.color, lyr.feature.properties.locked));
      if (id === S.selected) lyr.bringToFront();
    });
  }

  function select(territoryId) {
    S.selected = territoryId;
    restyle();
  }

  /* The margin every fit leaves at the map's edges, and between a legend and what it fits. */
  var FIT_MARGIN = 30, LEGEND_GAP = 8;

  /* The legend boxes shown in each bottom corner: how far they reach in from the map's side
   * and up from its bottom, in pixels ({bottomleft: {side, up} | null, bottomright: ...}). */
  function legendCorners() {
    var map = S.map.getContainer().getBoundingClientRect();
    var corners = { bottomleft: null, bottomright: null };
    Object.keys(S.legends).forEach(function (key) {
      var position = S.legends[key].getPosition();
      if (!(position in corners) || !legendShown(key)) return;
      var r = S.legends[key].getContainer().getBoundingClientRect();
      if (!r.width || !r.height) return;
      var side = position === "bottomright" ? map.right - r.left : r.right - map.left;
      var c = corners[position] || { side: 0, up: 0 };
      corners[position] = { side: Math.max(c.side, side), up: Math.max(c.up, map.bottom - r.top) };
    });
    return corners;
  }

  /* Leaflet's fitBounds paddings that keep `bounds` clear of the legends in the bottom corners:
   * each corner's legends are left room beside or above them, whichever lets the map zoom in
   * further (above on a tie); a legend too large to leave room for is not. */
  function fitPaddings(bounds) {
    var corners = legendCorners(), size = S.map.getSize(), best = null;
    [false, true].forEach(function (leftBeside) {
      [false, true].forEach(function (rightBeside) {
        var topLeft = L.point(FIT_MARGIN, FIT_MARGIN), bottomRight = L.point(FIT_MARGIN, FIT_MARGIN);
        [[corners.bottomleft, leftBeside, topLeft], [corners.bottomright, rightBeside, bottomRight]]
          .forEach(function (c) {
            if (!c[0]) return;
            if (c[1]) c[2].x = Math.max(c[2].x, c[0].side + LEGEND_GAP);
            else bottomRight.y = Math.max(bottomRight.y, c[0].up + LEGEND_GAP);
          });
        var room = size.subtract(topLeft).subtract(bottomRight);
        if (room.x < size.x / 3 || room.y < size.y / 3) return;
        var zoom = S.map.getBoundsZoom(bounds, false, topLeft.add(bottomRight));
        if (!best || zoom > best.zoom) best = { zoom: zoom, topLeft: topLeft, bottomRight: bottomRight };
      });
    });
    return best || { topLeft: L.point(FIT_MARGIN, FIT_MARGIN), bottomRight: L.point(FIT_MARGIN, FIT_MARGIN) };
  }

  function fit(bounds, animate) {
    bounds = L.latLngBounds(bounds);
    var padding = fitPaddings(bounds), fitted = { bounds: bounds, view: null };
    S.lastFit = fitted;
    S.map.once("moveend", function () {
      fitted.view = { center: S.map.getCenter(), zoom: S.map.getZoom() };
    });
    S.map.fitBounds(bounds, {
      paddingTopLeft: padding.topLeft, paddingBottomRight: padding.bottomRight, maxZoom: 14,
      animate: animate
    });
  }

  /* A legend came or went: fit the last bounds fitted again (clear of the legends now shown)
   * if the map still shows them as fitted (the first fit comes before the panels' legends). */
  function refitIfUntouched() {
    var last = S.lastFit;
    if (!last || !last.view || S.map.getZoom() !== last.view.zoom) return;
    var half = S.map.getSize().divideBy(2);
    if (S.map.latLngToContainerPoint(last.view.center).distanceTo(half) > 1) return;
    fit(last.bounds, false);
  }

  /* Layers the user can switch on over the project's own: "Zoom to All" fits them too. */
  var OVERLAYS = ["heat", "clusters", "coverage", "route", "alerts"];

  /* Fit `bounds` (the project's territories, accounts and reps' homes) and every overlay
   * shown. */
  function fitAll(bounds, animate) {
    var all = L.latLngBounds(bounds);
    OVERLAYS.forEach(function (key) {
      if (!S.map.hasLayer(S.groups[key])) return;
      S.groups[key].eachLayer(function (layer) {
        if (layer.getBounds) {
          var b = layer.getBounds();
          if (b.isValid()) all.extend(b);
        } else if (layer.getLatLng) {
          all.extend(layer.getLatLng());
        }
      });
    });
    fit(all, animate);
  }

  function apply(update, animate) {
    if (update.territories) setTerritories(update.territories);
    if (update.accounts) setAccounts(update.accounts);
    if (update.recolor) S.points.recolor(update.recolor);
    if (update.reps) setReps(update.reps);
    if ("segment" in update) setSegment(update.segment);
    if ("alerts" in update) setAlerts(update.alerts);
    if ("shade" in update) setShade(update.shade);
    if (update.draw && S.map.pm) S.map.pm.enableDraw(update.draw, { snappable: false });
    if (update.coverage) setCoverage(update.coverage);
    if ("heat" in update) setOverlay("heat", update.heat);
    if ("clusters" in update) setOverlay("clusters", update.clusters);
    if ("route" in update) setRoute(update.route);
    if ("select" in update) select(update.select);
    if (update.bounds) fit(update.bounds, animate);
    if (update.fitAll) fitAll(update.fitAll, animate);
    if (update.zoomTo) {
      S.map.setView([update.zoomTo.lat, update.zoomTo.lon], update.zoomTo.zoom || 13,
        { animate: animate });
    }
    declutter();  // names, homes or badges may have come or gone
  }

  /* Legends that go with a layer group of another name. */
  var LEGEND_GROUP = { shade: "territories", segment: "accounts" };

  function legendShown(key) {
    return S.legends[key].getContainer().style.display !== "none";
  }

  /* For a printout: show only the layer groups named in `keys`, and their legends; null
   * brings back what was shown before (and does nothing if nothing was changed). */
  function showOnly(keys) {
    var shown = keys;
    if (!keys) {
      if (!S.beforePrint) return;
      shown = S.beforePrint;
      delete S.beforePrint;
    } else if (!S.beforePrint) {
      S.beforePrint = Object.keys(S.groups).filter(function (k) {
        return S.map.hasLayer(S.groups[k]);
      });
    }
    Object.keys(S.groups).forEach(function (k) {
      if (shown.indexOf(k) >= 0) { S.groups[k].addTo(S.map); } else { S.groups[k].remove(); }
    });
    Object.keys(S.legends).forEach(function (k) {
      var group = S.groups[k] ? k : LEGEND_GROUP[k];
      if (group) S.legends[k].getContainer().style.display = S.map.hasLayer(S.groups[group]) ? "" : "none";
    });
    declutter();
  }

  /* ---------- drawing ---------- */

  function setupDrawing() {
    if (!S.map.pm) return;
    S.map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawText: false, drawCircle: false, editMode: true, dragMode: false, cutPolygon: false,
      removalMode: false, rotateMode: false
    });
    S.map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: true });
    S.map.on("pm:create", function (e) {
      var shape = e.shape;
      send({ type: "feature_drawn", shape: shape, geometry: e.layer.toGeoJSON().geometry });
      e.layer.remove();
    });
  }

  /* ---------- bridge ---------- */

  function connectBridge() {
    if (typeof QWebChannel === "undefined" || !window.qt || !window.qt.webChannelTransport) return;
    new QWebChannel(window.qt.webChannelTransport, function (channel) {
      S.bridge = channel.objects.bridge;
      S.queue.splice(0).forEach(function (text) { S.bridge.send(text); });
    });
  }

  /* What the map shows now: [[south, west], [north, east]]. */
  function viewBounds() {
    var b = S.map.getBounds();
    return [[b.getSouth(), b.getWest()], [b.getNorth(), b.getEast()]];
  }

  function stats() {
    return {
      ready: S.ready, accounts: S.accountCount, territories: S.territoryCount, reps: S.repCount,
      coverage: S.coverageCount, load: window.location.search, routeStops: S.routeStops || 0, shade: S.shade ? S.shade.title : null,
      hidden: Object.keys(S.groups || {}).filter(function (k) { return !S.map.hasLayer(S.groups[k]); }),
      basemap: S.basemap, zoom: S.map ? S.map.getZoom() : null, selected: S.selected,
      view: S.map ? viewBounds() : null,
      heat: S.overlays.heat ? S.overlays.heat.count : 0,
      clusters: S.overlays.clusters ? S.overlays.clusters.count : 0,
      segment: S.segment ? S.segment.title : null, segmentShown: S.segmentShown,
      alerts: S.alertCount, legends: Object.keys(S.legends),
      legendsShown: Object.keys(S.legends).filter(legendShown)
    };
  }

  function init(map, options) {
    if (L.PM && L.PM.setOptIn) L.PM.setOptIn(true);  // Geoman leaves the basemap and points alone
    S.map = map;
    S.options = options || {};
    pane("tp-land", 200, false);
    pane("tp-borders", 250, false);
    pane("tp-territories", 400, true);
    pane("tp-heat", 410, true);
    pane("tp-coverage", 430, false);
    pane("tp-clusters", 440, true);
    pane("tp-accounts", 450, true);
    pane("tp-route", 600, true);
    pane("tp-labels", 620, false);
    pane("tp-alerts", 630, true);
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(S.options.attribution || "");
    if (window.TP_BASEMAP) drawBasemap(window.TP_BASEMAP);
    S.groups = {};
    var overlays = {};
    [["territories", "Territories"], ["labels", "Territory names"], ["coverage", "Gaps and overlaps"],
     ["heat", "Heat map"], ["clusters", "Clusters"],
     ["accounts", "Accounts"], ["reps", "Rep homes"], ["route", "Day route"],
     ["alerts", "Alerts"]].forEach(function (entry) {
      S.groups[entry[0]] = L.layerGroup().addTo(map);
      overlays[entry[1]] = S.groups[entry[0]];
    });
    if (S.options.onlineTiles) {
      overlays["OpenStreetMap tiles (online)"] = L.tileLayer(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" });
    }
    S.layerControl = L.control.layers({}, overlays, { position: "topright" }).addTo(map);
    map.on("overlayadd overlayremove", declutter);
    // A zoom ends (Leaflet's timer) before the markers' own transition does on a busy machine:
    // the labels are measured again when it has.
    map.getContainer().addEventListener("transitionend", declutterSoon);
    map.on("overlayadd overlayremove", function (e) {  // a layer's legend goes with it
      Object.keys(S.legends).forEach(function (key) {
        if (S.groups[key] === e.layer) {
          S.legends[key].getContainer().style.display = e.type === "overlayadd" ? "" : "none";
        }
      });
    });
    setupDrawing();
    S.points = new Points();
    S.groups.accounts.addLayer(S.points.renderer);
    map.on("mousemove", function (e) {
      if (map.hasLayer(S.points.renderer)) S.points.onMove(e);
    });
    map.on("click", function (e) {
      if (map.pm && (map.pm.globalDrawModeEnabled() || map.pm.globalEditModeEnabled())) return;
      var i = map.hasLayer(S.points.renderer) && e.layerPoint ? S.points.hit(e.layerPoint) : -1;
      if (i >= 0) { send({ type: "account_clicked", id: S.points.id[i] }); return; }
      send({ type: "map_clicked", lat: e.latlng.lat, lon: e.latlng.lng });
    });
    if (window.TP_DATA) apply(window.TP_DATA, false);
    delete window.TP_DATA;  // the layers keep what they need; the rest can be collected
    drawCities();
    connectBridge();
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        S.ready = true;
        send({ type: "ready", stats: stats() });
      });
    });
  }

  window.TP = {
    init: init,
    update: function (text) { apply(JSON.parse(text), true); return JSON.stringify(stats()); },
    stats: function () { return JSON.stringify(stats()); },
    labels: function () { return JSON.stringify(S.map ? TPLabels.boxes(S) : []); },
    showOnly: function (text) { showOnly(JSON.parse(text)); return true; },
    territory: function (id) { return S.territoryLayers[id]; },
    accountTip: function (i) { return S.points.showTip(i); },
    accountPixel: function (lat, lon) {  // "[r, g, b, a]" drawn there on the accounts' canvas
      var r = S.points.renderer, m = L.Browser.retina ? 2 : 1;
      var p = S.map.latLngToLayerPoint([lat, lon]).subtract(r._bounds.min);
      var px = r._ctx.getImageData(Math.round(p.x * m), Math.round(p.y * m), 1, 1).data;
      return JSON.stringify(Array.prototype.slice.call(px));
    },
    accountColor: function (id) { return id in S.points.index ? S.points.color[S.points.index[id]] : null; },
    accountAt: function (latlng) {  // the ID of the account a click there would pick, or null
      var i = S.points.hit(S.map.latLngToLayerPoint(latlng));
      return i >= 0 ? S.points.id[i] : null;
    }
  };
})();
