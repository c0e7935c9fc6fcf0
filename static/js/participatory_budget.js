// Participatory budget (progressive enhancement: every page works without it).
// - .pb-ballot: shows what is left (picks, money or points) while choosing.
// - #cost-items: the total of the cost breakdown as the author types; more lines.
// - #pick-map: a point (click) or an area (click the corners) for a project.
// - #point-map: a project's place; #budget-map: every project, coloured by progress.
// The map's configuration and base map come from static/js/maps.js (EdemMap).
(function () {
  "use strict";

  function number(text) {
    var value = parseFloat(String(text || "").replace(/\s/g, "").replace(",", "."));
    return isNaN(value) ? 0 : value;
  }

  function money(value) {
    return value.toLocaleString(document.documentElement.lang || "uk",
      { minimumFractionDigits: 0, maximumFractionDigits: 2 });
  }

  function ballot(form) {
    var type = form.dataset.ballotType;
    var limits = {
      picks: form.dataset.limitPicks === "" ? null : number(form.dataset.limitPicks),
      cost: form.dataset.limitCost === "" ? null : number(form.dataset.limitCost),
      points: form.dataset.limitPoints === "" ? null : number(form.dataset.limitPoints),
    };
    var box = document.getElementById("ballot-left");
    var over = form.querySelector("[data-over]");
    var button = form.querySelector("button[type=submit]");
    function update() {
      var used = { picks: 0, cost: 0, points: 0 };
      form.querySelectorAll(".pb-ballot-row").forEach(function (row) {
        var input = row.querySelector("input, select");
        if (!input) { return; }
        var chosen = input.type === "checkbox" ? input.checked : (input.value !== "" && input.value !== "0");
        if (!chosen) { return; }
        used.picks += 1;
        used.cost += number(row.dataset.cost);
        if (type === "cumulative") { used.points += number(input.value); }
      });
      var exceeded = false;
      ["picks", "cost", "points"].forEach(function (key) {
        if (limits[key] === null) { return; }
        var left = limits[key] - used[key];
        exceeded = exceeded || left < 0;
        var u = box.querySelector('[data-used="' + key + '"]');
        var l = box.querySelector('[data-left="' + key + '"]');
        if (u) { u.textContent = key === "cost" ? money(used[key]) : String(used[key]); }
        if (l) { l.textContent = key === "cost" ? money(left) : String(left); }
      });
      var bar = box.querySelector(".pb-bar > span");
      if (bar && limits.cost) { bar.style.width = Math.min(100, used.cost * 100 / limits.cost) + "%"; }
      over.hidden = !exceeded;
      box.classList.toggle("pb-left--over", exceeded);
      if (button) { button.setAttribute("aria-describedby", exceeded ? "ballot-left" : ""); }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function costItems(box) {
    var output = document.getElementById("cost-total");
    var add = box.querySelector("[data-add-item]");
    var total = box.querySelector("input[name$='TOTAL_FORMS']");
    function update() {
      var sum = 0;
      box.querySelectorAll("input[name$='-amount']").forEach(function (i) { sum += number(i.value); });
      output.textContent = money(sum);
    }
    box.addEventListener("input", update);
    if (add && total) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var rows = box.querySelectorAll(".pb-item");
        var last = rows[rows.length - 1];
        var n = Number(total.value);
        var copy = last.cloneNode(true);
        copy.querySelectorAll("input, label").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) { el.setAttribute(attr, v.replace(/-\d+-/, "-" + n + "-")); }
          });
          if (el.tagName === "INPUT") { el.value = ""; }
        });
        last.parentNode.appendChild(copy);
        total.value = String(n + 1);
      });
    }
    update();
  }

  function pickMap(element, cfg) {
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var area = document.getElementById("id_area");
    var modes = document.querySelector(".pb-draw-mode");
    var map = window.EdemMap.baseMap(element, cfg, 13);
    var marker = null, polygon = null, corners = [];
    if (modes) { modes.hidden = false; }
    function mode() {
      var checked = document.querySelector("input[name=draw-mode]:checked");
      return checked ? checked.value : "point";
    }
    function put(latlng) {
      if (marker) { marker.setLatLng(latlng); }
      else {
        marker = L.marker(latlng, { draggable: true }).addTo(map);
        marker.on("dragend", function () { put(marker.getLatLng()); });
      }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    function drawArea() {
      if (polygon) { map.removeLayer(polygon); polygon = null; }
      if (corners.length >= 2) { polygon = L.polygon(corners, { color: "#c27c0e" }).addTo(map); }
      if (corners.length >= 3) {
        var ring = corners.map(function (c) { return [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))]; });
        ring.push(ring[0]);
        area.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      } else { area.value = ""; }
    }
    if (lat.value && lon.value && !isNaN(parseFloat(lat.value))) {
      put(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
    }
    if (area.value) {
      try {
        var ring0 = JSON.parse(area.value).coordinates[0];
        corners = ring0.slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); });
        drawArea();
      } catch (e) { area.value = ""; }
    }
    map.on("click", function (e) {
      if (mode() === "area") { corners.push(e.latlng); drawArea(); if (!marker) { put(e.latlng); } }
      else { put(e.latlng); }
    });
    var clear = document.querySelector("[data-clear-area]");
    if (clear) { clear.addEventListener("click", function () { corners = []; drawArea(); }); }
    function typed() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) { put(L.latLng(a, b)); map.panTo([a, b]); }
    }
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);
  }

  function pointMap(element, cfg) {
    var point = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
    var map = L.map(element, { scrollWheelZoom: false }).setView(point, 16);
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
    if (element.dataset.area) {
      var layer = L.geoJSON(JSON.parse(element.dataset.area), { style: { color: "#c27c0e" } }).addTo(map);
      map.fitBounds(layer.getBounds());
    } else { L.marker(point).addTo(map); }
  }

  function colour(progress) {
    if (progress === null || progress === undefined) { return "#7a8896"; }
    if (progress >= 100) { return "#1e7b34"; }
    if (progress > 0) { return "#f0a30a"; }
    return "#d7301f";
  }

  function budgetMap(element, cfg) {
    var map = window.EdemMap.baseMap(element, cfg, 12);
    var status = document.createElement("p");
    status.className = "meta map-status";
    status.setAttribute("aria-live", "polite");
    element.parentNode.insertBefore(status, element.nextSibling);
    var url = element.dataset.geojson + (element.dataset.query ? "?" + element.dataset.query : "");
    fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) { return { color: colour(f.properties.progress), weight: 2, fillOpacity: .35 }; },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2,
              fillColor: colour(f.properties.progress), fillOpacity: .95 });
          },
          onEachFeature: function (f, l) {
            var box = document.createElement("div");
            var link = document.createElement("a");
            link.href = f.properties.url;
            link.textContent = f.properties.title;
            box.appendChild(link);
            var text = f.properties.cycle + " · " + f.properties.status_label;
            if (f.properties.progress !== null) { text += " · " + f.properties.progress + "% " + (element.dataset.progressLabel || ""); }
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(text));
            l.bindPopup(box);
            l.options.title = f.properties.title;
          },
        }).addTo(map);
        element.dataset.loaded = String(data.features.length);
        element.dataset.progress = data.features.map(function (f) {
          return f.id + ":" + (f.properties.progress === null ? "-" : f.properties.progress);
        }).join(",");
        status.textContent = (element.dataset.countLabel || "%n").replace("%n", String(data.features.length));
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
      })
      .catch(function () { status.textContent = ""; });
  }

  function start() {
    var form = document.querySelector(".pb-ballot");
    if (form) { ballot(form); }
    var items = document.getElementById("cost-items");
    if (items) { costItems(items); }
    if (!window.EdemMap || !window.EdemMap.ready()) { return; }
    var cfg = window.EdemMap.config();
    var el = document.getElementById("pick-map");
    if (el) { pickMap(el, cfg); }
    el = document.getElementById("point-map");
    if (el) { pointMap(el, cfg); }
    el = document.getElementById("budget-map");
    if (el) { budgetMap(el, cfg); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
