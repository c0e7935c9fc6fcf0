// Planned and emergency works on the open-city maps (progressive enhancement).
// - #works-map: current and coming works from the GeoJSON endpoint for the visible box.
// - the reports map (#report-map) gets the same works as a layer it can switch off.
// - #work-map: the place of one works.
// - #draw-map: an organisation marks a point or draws an area into #id_geometry.
(function () {
  "use strict";

  var COLOURS = { emergency: "#b00020", planned: "#b45f06" };

  function config() {
    var node = document.getElementById("map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function baseMap(element, cfg) {
    var map = L.map(element, { scrollWheelZoom: false }).setView(cfg.centre, 12);
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
    if (cfg.boundary) {
      var outline = L.geoJSON(cfg.boundary, {
        style: { color: "#0b5394", weight: 2, fill: false, interactive: false },
      }).addTo(map);
      map.fitBounds(outline.getBounds());
    }
    return map;
  }

  function style(feature) {
    var colour = COLOURS[feature.properties.kind] || "#555";
    return { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.25,
             dashArray: feature.properties.ongoing ? null : "6 4" };
  }

  function popup(feature) {
    var p = feature.properties;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    box.appendChild(link);
    [p.kind_label, p.organisation,
     new Date(p.starts_at).toLocaleString() + " — " + new Date(p.ends_at).toLocaleString()]
      .forEach(function (line) {
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode(line));
      });
    return box;
  }

  function worksLayer(feature) {
    return L.geoJSON(feature ? [feature] : [], {
      style: style,
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign(style(f), { radius: 9 }));
      },
      onEachFeature: function (f, layer) { layer.bindPopup(popup(f)); },
    });
  }

  // Loads the works of the visible box into ``layer`` whenever the map moves.
  function follow(map, layer, url, query, element) {
    var generation = 0;
    function load() {
      generation += 1;
      var mine = generation;
      var b = map.getBounds();
      var box = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
                 Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
        .map(function (v) { return v.toFixed(5); });
      fetch(url + "?bbox=" + box.join(",") + (query ? "&" + query : ""),
            { headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          if (mine !== generation) { return; }
          layer.clearLayers();
          layer.addData(data.features);
          if (element) { element.dataset.loaded = String(data.features.length); }
        })
        .catch(function () {});
    }
    map.on("moveend", load);
    load();
  }

  function worksMap(element, cfg) {
    var map = baseMap(element, cfg);
    var layer = worksLayer().addTo(map);
    follow(map, layer, element.dataset.geojson, element.dataset.query, element);
  }

  function workMap(element, cfg) {
    var map = L.map(element, { scrollWheelZoom: false }).setView(cfg.centre, 14);
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
    var layer = worksLayer({ type: "Feature", geometry: cfg.work,
                             properties: { kind: element.dataset.kind, ongoing: true } });
    layer.off("click");
    layer.addTo(map);
    if (cfg.work.type === "Point") {
      map.setView([cfg.work.coordinates[1], cfg.work.coordinates[0]], 16);
    } else {
      map.fitBounds(layer.getBounds(), { maxZoom: 17 });
    }
  }

  function drawMap(element, cfg) {
    var field = document.getElementById("id_geometry");
    var map = baseMap(element, cfg);
    var mode = "point";
    var drawn = L.geoJSON().addTo(map);
    var corners = [];

    function show(geometry) {
      drawn.clearLayers();
      if (geometry) { drawn.addData(geometry); }
    }
    function write(geometry) {
      field.value = geometry ? JSON.stringify(geometry) : "";
      show(geometry);
    }
    function round(v) { return Math.round(v * 1e6) / 1e6; }
    try { if (field.value.trim()) { show(JSON.parse(field.value)); } } catch (e) { /* typed text stays */ }

    document.querySelectorAll("[data-draw]").forEach(function (button) {
      button.addEventListener("click", function () {
        var wanted = button.dataset.draw;
        if (wanted === "clear") { corners = []; write(null); return; }
        mode = wanted;
        corners = [];
        document.querySelectorAll("[data-draw]").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
      });
    });
    map.on("click", function (e) {
      var at = [round(e.latlng.lng), round(e.latlng.lat)];
      if (mode === "point") { write({ type: "Point", coordinates: at }); return; }
      corners.push(at);
      if (corners.length < 3) {
        show({ type: "LineString", coordinates: corners.length > 1 ? corners : [at, at] });
        field.value = "";
        return;
      }
      write({ type: "Polygon", coordinates: [corners.concat([corners[0]])] });
    });
    field.addEventListener("change", function () {
      try { show(JSON.parse(field.value)); } catch (e) { show(null); }
    });
  }

  // The reports map announces itself (see js/opencity.js); works join it as a layer.
  document.addEventListener("opencity:map", function (event) {
    var element = event.target;
    var url = element.dataset.worksGeojson;
    if (!url) { return; }
    var map = event.detail.map;
    var layer = worksLayer().addTo(map);
    var name = element.dataset.worksLabel || "Works";
    var overlays = {};
    overlays[name] = layer;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    follow(map, layer, url, "", null);
  });

  function start() {
    var cfg = config();
    if (!cfg || typeof L === "undefined") { return; }
    var el = document.getElementById("works-map");
    if (el) { worksMap(el, cfg); }
    el = document.getElementById("work-map");
    if (el && cfg.work) { workMap(el, cfg); }
    el = document.getElementById("draw-map");
    if (el) { drawMap(el, cfg); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
