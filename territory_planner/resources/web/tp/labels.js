/* Territory Planner map page: labels that do not cover each other (map.js runs the pass).
 *
 * A territory's name wins over a city's label: the city's label is hidden. Boxes are the
 * labels' drawn boxes on screen (getBoundingClientRect), measured after each move and zoom.
 */
(function () {
  "use strict";

  function boxOf(node) {
    var r = node.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  }

  var GAP = 2;  // pixels kept clear between labels (boxes move by subpixels as the map settles)

  function overlaps(a, b) {
    return a.left < b.right + GAP && b.left < a.right + GAP && a.top < b.bottom + GAP &&
      b.top < a.bottom + GAP;
  }

  function hits(box, boxes) {
    return boxes.some(function (b) { return overlaps(box, b); });
  }

  /* The drawn elements of a layer group's markers (none when the group is switched off). */
  function markerNodes(S, key, selector) {
    var group = S.groups && S.groups[key], nodes = [];
    if (!group || !S.map.hasLayer(group)) return nodes;
    group.eachLayer(function (layer) {
      var icon = layer.getElement && layer.getElement();
      var node = icon && (selector ? icon.querySelector(selector) : icon);
      if (node) nodes.push(node);
    });
    return nodes;
  }

  function shifted(box, dy) {
    return { left: box.left, right: box.right, top: box.top + dy, bottom: box.bottom + dy };
  }

  /* How far to move `box` (and `along`, its badges) up or down off the `obstacles` that cover
   * it, without landing on them or on the names placed so far: the smaller move that does,
   * first with the badges clear too, then the name alone (0: no such move). */
  function moveOff(box, along, obstacles, names) {
    var covering = obstacles.filter(function (b) { return overlaps(box, b); });
    if (!covering.length) return 0;
    var down = Math.max.apply(null, covering.map(function (b) { return b.bottom; })) -
      box.top + GAP + 1;
    var up = box.bottom - Math.min.apply(null, covering.map(function (b) { return b.top; })) +
      GAP + 1;
    var moves = [down, -up].sort(function (p, q) { return Math.abs(p) - Math.abs(q); });
    function clear(dy, withBadges) {
      var moved = [shifted(box, dy)].concat(withBadges ? along.map(function (b) {
        return shifted(b, dy);
      }) : []);
      return !moved.some(function (m) { return hits(m, obstacles) || hits(m, names); });
    }
    var strict = moves.filter(function (dy) { return clear(dy, true); });
    var loose = moves.filter(function (dy) { return clear(dy, false); });
    return strict.length ? strict[0] : loose.length ? loose[0] : 0;
  }

  /* Labels must not cover each other: a territory's name moves up or down off a rep's home, an
   * alert badge or a map control (legend, scale) that covers it (its own alert badge moves with
   * it), and a city label is hidden when its box overlaps a territory's name, a rep's home, an
   * alert badge, a map control or a larger city's label. Runs after every move and zoom and
   * whenever layers come or go. `S`: the page's state ({map, groups, cityLabels}); returns how
   * many city labels are shown and hidden. */
  function declutter(S) {
    var homes = markerNodes(S, "reps", ".tp-home").map(boxOf);
    var controls = S.map.getContainer().querySelectorAll(".leaflet-control");
    var fixed = homes.concat(Array.prototype.map.call(controls, boxOf));
    var badges = markerNodes(S, "alerts", ".tp-alert");
    badges.forEach(function (node) { node.style.marginTop = ""; });
    var names = [];
    markerNodes(S, "labels", ".tp-territory-label").forEach(function (node) {
      node.style.marginTop = "";
      var own = badges.filter(function (b) { return b.dataset.at === node.dataset.at; });
      var obstacles = fixed.concat(badges.filter(function (b) { return own.indexOf(b) < 0; })
        .map(boxOf));
      var box = boxOf(node), dy = moveOff(box, own.map(boxOf), obstacles, names);
      if (dy) {
        node.style.marginTop = dy + "px";
        own.forEach(function (b) { b.style.marginTop = dy + "px"; });
      }
      names.push(shifted(box, dy));
    });
    var taken = names.concat(fixed, badges.map(boxOf));
    var kept = [], hidden = 0;
    S.cityLabels.forEach(function (label) {  // largest first: a larger city keeps its label
      label.style.visibility = "";
      var box = boxOf(label);
      if (hits(box, taken) || hits(box, kept)) {
        label.style.visibility = "hidden";
        hidden++;
      } else {
        kept.push(box);
      }
    });
    return { shown: kept.length, hidden: hidden };
  }

  /* Every label drawn, for tests: [{kind, text, hidden, box: [left, top, right, bottom], at}]
   * (`at`: a territory name's label point, and its alert badge's). */
  function labelBoxes(S) {
    function entry(kind) {
      return function (node) {
        var b = boxOf(node);
        return { kind: kind, text: node.textContent, hidden: node.style.visibility === "hidden",
                 box: [b.left, b.top, b.right, b.bottom], at: node.dataset.at || null };
      };
    }
    return markerNodes(S, "labels", ".tp-territory-label").map(entry("territory"))
      .concat(markerNodes(S, "reps", ".tp-home").map(entry("home")))
      .concat(markerNodes(S, "alerts", ".tp-alert").map(entry("alert")))
      .concat((S.cityLabels || []).map(entry("city")));
  }

  window.TPLabels = { declutter: declutter, boxes: labelBoxes };
})();
