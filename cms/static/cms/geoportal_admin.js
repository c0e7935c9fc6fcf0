// Geoportal staff screens (the forms work without it: the geometry can be typed).
// - #geo-admin-map: every feature of the layer; a click opens the feature's editor.
// - #geo-draw-map: draw one feature: click to put a point, or switch to a line or
//   an area and click its corners; the geometry field is filled as GeoJSON.
(function () {
  "use strict";

  function config() {
    var node = document.getElementById("map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function baseMap(element, cfg) {
    var map = L.map(element).setView(cfg.centre, 13);
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
    if (cfg.boundary) {
      L.geoJSON(cfg.boundary, { style: { color: "#0b5394", weight: 2, fill: false, interactive: false } }).addTo(map);
    }
    return map;
  }

  function styleOf(cfg) {
    var s = cfg.style || {};
    return { color: s.color, fillColor: s.fillColor, fillOpacity: s.fillOpacity, weight: s.weight, dashArray: s.dashArray };
  }

  function overview(element, cfg) {
    var map = baseMap(element, cfg);
    fetch(cfg.features, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function () { return styleOf(cfg); },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, Object.assign(styleOf(cfg), { radius: 7, fillOpacity: 0.9 }));
          },
          onEachFeature: function (f, l) {
            var box = document.createElement("div");
            var link = document.createElement("a");
            link.href = f.edit;
            link.textContent = (element.dataset.editLabel || "") + ": " + (f.name || f.id);
            box.appendChild(link);
            l.bindPopup(box);
          },
        }).addTo(map);
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
        element.dataset.loaded = String(data.features.length);
      });
  }

  function drawing(element, cfg) {
    var field = document.querySelector("textarea[name=geometry]");
    if (!field) { return; }
    var map = baseMap(element, cfg);
    var modes = document.querySelector(".geo-draw-mode");
    if (modes) { modes.hidden = false; }
    var points = [];
    var shown = null;

    function mode() {
      var checked = document.querySelector("input[name=draw-mode]:checked");
      return checked ? checked.value : "Point";
    }

    function redraw() {
      if (shown) { map.removeLayer(shown); shown = null; }
      var kind = mode();
      var coords = points.map(function (p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; });
      var geometry = null;
      if (kind === "Point" && coords.length) { geometry = { type: "Point", coordinates: coords[coords.length - 1] }; }
      if (kind === "LineString" && coords.length >= 2) { geometry = { type: "LineString", coordinates: coords }; }
      if (kind === "Polygon" && coords.length >= 3) { geometry = { type: "Polygon", coordinates: [coords.concat([coords[0]])] }; }
      if (geometry) {
        field.value = JSON.stringify(geometry);
        shown = L.geoJSON(geometry, { style: function () { return styleOf(cfg); } }).addTo(map);
      }
    }

    function load() {
      var geometry;
      try { geometry = JSON.parse(field.value); } catch (e) { return; }
      if (!geometry || !geometry.type) { return; }
      var radio = document.querySelector("input[name=draw-mode][value=" + geometry.type + "]");
      if (radio) { radio.checked = true; }
      if (geometry.type === "Point") { points = [L.latLng(geometry.coordinates[1], geometry.coordinates[0])]; }
      else if (geometry.type === "LineString") { points = geometry.coordinates.map(function (c) { return L.latLng(c[1], c[0]); }); }
      else if (geometry.type === "Polygon") { points = geometry.coordinates[0].slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); }); }
      shown = L.geoJSON(geometry, {
        style: function () { return styleOf(cfg); },
        pointToLayer: function (f, latlng) { return L.marker(latlng); },
      }).addTo(map);
      map.fitBounds(shown.getBounds(), { maxZoom: 16 });
    }

    map.on("click", function (e) {
      if (mode() === "Point") { points = [e.latlng]; } else { points.push(e.latlng); }
      redraw();
    });
    document.querySelectorAll("input[name=draw-mode]").forEach(function (radio) {
      radio.addEventListener("change", function () { points = []; redraw(); });
    });
    var clear = document.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", function () { points = []; field.value = ""; redraw(); }); }
    load();
  }

  function start() {
    var cfg = config();
    if (!cfg || typeof L === "undefined") { return; }
    var el = document.getElementById("geo-admin-map");
    if (el) { overview(el, cfg); }
    el = document.getElementById("geo-draw-map");
    if (el) { drawing(el, cfg); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
