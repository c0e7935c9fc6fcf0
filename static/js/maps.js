// Shared Leaflet bootstrap of E-DEM maps (progressive enhancement: every page works
// without it). A page puts its settings in <script id="map-config"> (tiles,
// attribution, centre, boundary) and calls EdemMap.* from its own script:
// - baseMap: the municipality's map with its outline;
// - pointMap: one place (data-lat, data-lon);
// - pickMap: click or drag to fill a latitude and a longitude field, and typing
//   the numbers moves the marker, so the fields alone still work without a map;
// - featureMap: the features of a GeoJSON endpoint (data-geojson, data-query),
//   each with a popup the page builds; the count is announced to screen readers.
(function () {
  "use strict";

  function config() {
    var node = document.getElementById("map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function ready() {
    return typeof L !== "undefined" && config() !== null;
  }

  function tiles(map, cfg) {
    // Tiles may fail to load (offline, tests): the map still works without them.
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
  }

  function baseMap(element, cfg, zoom) {
    var map = L.map(element, { scrollWheelZoom: false }).setView(cfg.centre, zoom);
    tiles(map, cfg);
    if (cfg.boundary) {
      var outline = L.geoJSON(cfg.boundary, {
        style: { color: "#0b5394", weight: 2, fill: false, interactive: false },
      }).addTo(map);
      map.fitBounds(outline.getBounds());
    }
    return map;
  }

  function pointMap(element, cfg) {
    var point = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
    var map = L.map(element, { scrollWheelZoom: false }).setView(point, 16);
    tiles(map, cfg);
    L.marker(point).addTo(map);
    return map;
  }

  function number(input) {
    var value = parseFloat(String(input.value || "").replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function pickMap(element, cfg, lat, lon) {
    var map = baseMap(element, cfg, 13);
    var marker = null;
    function put(latlng, pan) {
      if (marker) { marker.setLatLng(latlng); }
      else {
        marker = L.marker(latlng, { draggable: true, title: element.dataset.markerTitle || "" }).addTo(map);
        marker.on("dragend", function () { put(marker.getLatLng(), false); });
      }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
      if (pan) { map.panTo(latlng); }
    }
    function typed() {
      var a = number(lat), b = number(lon);
      if (a !== null && b !== null) {
        if (marker) { marker.setLatLng([a, b]); }
        else { put(L.latLng(a, b), false); }
        map.panTo([a, b]);
      }
    }
    if (number(lat) !== null && number(lon) !== null) {
      put(L.latLng(number(lat), number(lon)), true);
    }
    map.on("click", function (e) { put(e.latlng, false); });
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    element.dataset.ready = "1";
    return map;
  }

  function featureMap(element, cfg, popup) {
    var map = baseMap(element, cfg, 12);
    var status = document.createElement("p");
    status.className = "meta map-status";
    status.setAttribute("aria-live", "polite");
    element.parentNode.insertBefore(status, element.nextSibling);
    var url = element.dataset.geojson + (element.dataset.query ? "?" + element.dataset.query : "");
    fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          onEachFeature: function (f, l) {
            l.bindPopup(popup(f));
            if (l.options) { l.options.title = f.properties.title || ""; }
          },
        }).addTo(map);
        var count = data.features.length;
        element.dataset.loaded = String(count);
        status.textContent = (element.dataset.countLabel || "%n").replace("%n", String(count)) +
          (data.truncated && element.dataset.truncatedLabel ? " " + element.dataset.truncatedLabel : "");
        if (count) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
      })
      .catch(function () { status.textContent = ""; });
    return map;
  }

  window.EdemMap = {
    config: config, ready: ready, baseMap: baseMap, pointMap: pointMap,
    pickMap: pickMap, featureMap: featureMap,
  };
})();
