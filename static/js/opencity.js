// Open city maps (progressive enhancement: every page works without them).
// - #report-map: public reports from the GeoJSON endpoint for the visible box,
//   clustered with leaflet.markercluster, reloaded when the map moves.
// - #pick-map: click to put the point; fills the latitude/longitude fields.
// - #point-map: the place of one report.
// - .sla[data-due]: the SLA timer counts down.
// The map bootstrap (config, base map, point picker, one place) is shared:
// static/js/maps.js (EdemMap), loaded before this script.
(function () {
  "use strict";

  function reportMap(element, cfg) {
    var map = window.EdemMap.baseMap(element, cfg, 12);
    // Other layers (e.g. works) may join this map.
    element.dispatchEvent(new CustomEvent("opencity:map", { bubbles: true, detail: { map: map } }));
    var cluster = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ chunkedLoading: true })
      : L.layerGroup();
    map.addLayer(cluster);
    var status = document.createElement("p");
    status.className = "meta map-status";
    status.setAttribute("aria-live", "polite");
    element.parentNode.insertBefore(status, element.nextSibling);
    var generation = 0;

    function load() {
      generation += 1;
      var mine = generation;
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return Math.max(-180, Math.min(180, v)).toFixed(5); });
      if (box[1] < -90) { box[1] = -90; }
      if (box[3] > 90) { box[3] = 90; }
      cluster.clearLayers();
      var count = 0;
      status.textContent = element.dataset.loading || "";
      function page(after) {
        var url = element.dataset.geojson + "?bbox=" + box.join(",") +
          (element.dataset.query ? "&" + element.dataset.query : "") +
          (after ? "&after=" + after : "");
        fetch(url, { headers: { Accept: "application/geo+json" } })
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .then(function (data) {
            if (mine !== generation) { return; }
            // Features are compact; the legend names statuses and categories.
            var legend = data.legend || { statuses: {}, categories: {}, url_prefix: "" };
            var markers = data.features.map(function (f) {
              var c = f.geometry.coordinates;
              var category = legend.categories[String(f.properties.category)] || "";
              var marker = L.marker([c[1], c[0]], { title: category });
              var link = document.createElement("a");
              link.href = legend.url_prefix + f.id + "/";
              link.textContent = "№" + f.id + " · " + category;
              var box2 = document.createElement("div");
              box2.appendChild(link);
              box2.appendChild(document.createElement("br"));
              box2.appendChild(document.createTextNode(
                legend.statuses[f.properties.status] || f.properties.status));
              marker.bindPopup(box2);
              return marker;
            });
            if (cluster.addLayers) { cluster.addLayers(markers); }
            else { markers.forEach(function (m) { cluster.addLayer(m); }); }
            count += markers.length;
            status.textContent = (element.dataset.countLabel || "%n").replace("%n", String(count));
            element.dataset.loaded = String(count);
            if (data.next_after && count < 20000) { page(data.next_after); }
          })
          .catch(function () { status.textContent = ""; });
      }
      page(0);
    }
    map.on("moveend", load);
    load();
  }

  function categoryFields() {
    var select = document.getElementById("id_category");
    var box = document.getElementById("extra-fields");
    if (!select || !box) { return; }
    function show() {
      var any = false;
      box.querySelectorAll("[data-category]").forEach(function (field) {
        var on = field.dataset.category === select.value;
        field.hidden = !on;
        any = any || on;
      });
      box.hidden = !any;
    }
    select.addEventListener("change", show);
    show();
  }

  function slaTimers() {
    document.querySelectorAll(".sla[data-due]").forEach(function (node) {
      var due = Date.parse(node.dataset.due);
      var label = node.querySelector(".sla__label");
      if (isNaN(due) || !label) { return; }
      function tick() {
        var left = Math.round((due - Date.now()) / 1000);
        var s = Math.abs(left);
        var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
        var m = Math.floor((s % 3600) / 60), sec = s % 60;
        var span = (d ? d + ":" : "") + String(h).padStart(2, "0") + ":" +
          String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
        node.classList.toggle("sla--overdue", left < 0);
        node.dataset.left = String(left);
        var clock = node.querySelector(".sla__clock");
        if (!clock) {
          clock = document.createElement("span");
          clock.className = "sla__clock";
          clock.setAttribute("aria-hidden", "true");
          node.insertBefore(clock, label.nextSibling);
        }
        clock.textContent = " " + (left < 0 ? "−" : "") + span;
      }
      tick();
      setInterval(tick, 1000);
    });
  }

  function start() {
    categoryFields();
    slaTimers();
    if (!window.EdemMap || !window.EdemMap.ready()) { return; }
    var cfg = window.EdemMap.config();
    var el = document.getElementById("report-map");
    if (el) { reportMap(el, cfg); }
    el = document.getElementById("pick-map");
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
    if (el && lat && lon) { window.EdemMap.pickMap(el, cfg, lat, lon); }
    el = document.getElementById("point-map");
    if (el) { window.EdemMap.pointMap(el, cfg); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
