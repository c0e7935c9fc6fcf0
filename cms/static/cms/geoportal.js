// Geoportal map (progressive enhancement: the page lists layers, features and
// search results without it).
// - The layer switcher form turns layers on and off; each layer loads the
//   features of the visible box from its GeoJSON endpoint, page by page, and
//   again when the map moves or a filter changes.
// - Popups show a feature's attributes with their labels; expired features
//   are drawn grey and dashed and say so.
// - The search form asks the search endpoint and lists the objects found;
//   choosing one switches its layer on, zooms to it and opens its popup.
// - The platform's own layers (budget projects, open-city reports and works)
//   come from their modules' GeoJSON endpoints.
(function () {
  "use strict";

  var EXPIRED_STYLE = { color: "#6b6b6b", fillColor: "#bdbdbd", dashArray: "4 4" };
  var MAX_PAGES = 20;

  function config() {
    var node = document.getElementById("map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) { el.className = className; }
    return el;
  }

  function symbol(style, expired) {
    var span = document.createElement("span");
    span.className = "geo-swatch geo-swatch--" + (style.icon || "circle") + (expired ? " geo-swatch--expired" : "");
    span.style.setProperty("--geo-colour", style.color);
    span.style.setProperty("--geo-fill", style.fillColor);
    return L.divIcon({ html: span.outerHTML, className: "geo-marker", iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  function popupContent(layerCfg, feature, labels) {
    var box = document.createElement("div");
    box.className = "geo-popup";
    var title = text("strong", feature.name || String(feature.id));
    box.appendChild(title);
    if (feature.expired) {
      box.appendChild(document.createTextNode(" "));
      box.appendChild(text("span", labels.expired, "tag tag--expired"));
    }
    box.appendChild(text("div", layerCfg.title, "meta"));
    var table = document.createElement("table");
    (layerCfg.attributes || []).forEach(function (attr) {
      var value = feature.properties ? feature.properties[attr.name] : null;
      if (value === null || value === undefined || value === "") { return; }
      var row = document.createElement("tr");
      row.appendChild(text("th", attr.label));
      row.appendChild(text("td", value === true ? "✓" : value === false ? "✗" : String(value)));
      table.appendChild(row);
    });
    box.appendChild(table);
    var link = text("a", labels.layerLink);
    link.href = layerCfg.page;
    box.appendChild(link);
    return box;
  }

  function modulePopup(module, feature, legend) {
    var p = feature.properties || {};
    var box = document.createElement("div");
    box.className = "geo-popup";
    var link = document.createElement("a");
    if (module.kind === "reports") {
      var category = (legend && legend.categories[String(p.category)]) || "";
      link.href = (legend ? legend.url_prefix : "") + feature.id + "/";
      link.textContent = "№" + feature.id + (category ? " · " + category : "");
      box.appendChild(link);
      box.appendChild(text("div", (legend && legend.statuses[p.status]) || p.status || "", "meta"));
    } else {
      link.href = p.url || module.page;
      link.textContent = p.title || String(feature.id);
      box.appendChild(link);
      box.appendChild(text("div", p.status_label || p.kind_label || "", "meta"));
    }
    box.appendChild(text("div", module.title, "meta"));
    return box;
  }

  function boxOf(map) {
    var b = map.getBounds().pad(0.2);
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    box[0] = Math.max(-180, box[0]); box[2] = Math.min(180, box[2]);
    box[1] = Math.max(-90, box[1]); box[3] = Math.min(90, box[3]);
    return box.join(",");
  }

  function geoportal(element, cfg) {
    var labels = {
      expired: element.dataset.expiredLabel, layerLink: element.dataset.layerLinkLabel,
      count: element.dataset.countLabel || "%n", none: element.dataset.noResultsLabel,
      show: element.dataset.showLabel,
    };
    var map = L.map(element, { scrollWheelZoom: false }).setView(cfg.centre, 12);
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 19 }).addTo(map);
    if (cfg.boundary) {
      var outline = L.geoJSON(cfg.boundary, { style: { color: "#0b5394", weight: 2, fill: false, interactive: false } }).addTo(map);
      map.fitBounds(outline.getBounds());
    }
    var form = document.getElementById("geo-switcher");
    var apply = form.querySelector(".geo-apply");
    if (apply) { apply.hidden = true; }
    var state = {};
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    element.parentNode.insertBefore(status, element.nextSibling);

    function countFor(id, n) {
      var node = form.querySelector('[data-count-for="' + id + '"]');
      if (node) { node.textContent = n === null ? "" : labels.count.replace("%n", String(n)); }
      element.dataset["count_" + id.replace(/-/g, "_")] = n === null ? "" : String(n);
    }

    function params(id) {
      var query = [];
      form.querySelectorAll('[data-filter-for="' + id + '"]').forEach(function (select) {
        if (select.value) { query.push(encodeURIComponent(select.dataset.param) + "=" + encodeURIComponent(select.value)); }
      });
      return query.join("&");
    }

    function geoLayer(layerCfg) {
      return L.geoJSON(null, {
        style: function (f) {
          var s = layerCfg.style;
          var style = { color: s.color, fillColor: s.fillColor, fillOpacity: s.fillOpacity, weight: s.weight, dashArray: s.dashArray };
          return f.expired ? Object.assign(style, EXPIRED_STYLE) : style;
        },
        pointToLayer: function (f, latlng) {
          return L.marker(latlng, { icon: symbol(layerCfg.style, f.expired), title: f.name || String(f.id), keyboard: true });
        },
        onEachFeature: function (f, l) {
          l.bindPopup(popupContent(layerCfg, f, labels));
          l.feature = f;
        },
      });
    }

    function load(id) {
      var entry = state[id];
      if (!entry || !entry.on) { return; }
      entry.generation += 1;
      var mine = entry.generation;
      var cfgItem = entry.cfg;
      var base;
      if (entry.module) {
        base = cfgItem.geojson + (cfgItem.bbox ? "?bbox=" + boxOf(map) : "");
      } else {
        var extra = params(id);
        base = cfgItem.geojson + "?bbox=" + boxOf(map) + "&limit=1000" + (extra ? "&" + extra : "");
      }
      var loaded = [];
      var pages = 0;
      function page(url) {
        pages += 1;
        fetch(url, { headers: { Accept: "application/geo+json" } })
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .then(function (data) {
            if (mine !== entry.generation) { return; }
            loaded = loaded.concat(data.features || []);
            if (data.legend) { entry.legend = data.legend; }
            if (data.next && pages < MAX_PAGES) { page(data.next); return; }
            // A reload must not close the popup the reader has open.
            var reopen = entry.openId;
            entry.layer.clearLayers();
            if (entry.module) {
              loaded.forEach(function (f) { entry.layer.addData(f); });
            } else {
              entry.layer.addData({ type: "FeatureCollection", features: loaded });
            }
            if (reopen !== null && reopen !== undefined) {
              entry.layer.eachLayer(function (l) { if (l.feature && l.feature.id === reopen) { l.openPopup(); } });
            }
            countFor(id, loaded.length);
            status.textContent = cfgItem.title + ": " + labels.count.replace("%n", String(loaded.length));
            if (entry.pending) { entry.pending(); entry.pending = null; }
          })
          .catch(function () { countFor(id, null); });
      }
      page(base);
    }

    (cfg.layers || []).forEach(function (layerCfg) {
      state[layerCfg.id] = { cfg: layerCfg, layer: geoLayer(layerCfg), on: false, generation: 0 };
    });
    (cfg.modules || []).forEach(function (module) {
      var entry = { cfg: module, module: true, on: false, generation: 0 };
      entry.layer = L.geoJSON(null, {
        style: function () { return { color: module.colour, weight: 2, fillOpacity: 0.3 }; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: module.colour, fillOpacity: 0.95 });
        },
        onEachFeature: function (f, l) { l.bindPopup(function () { return modulePopup(module, f, entry.legend); }); },
      });
      state[module.id] = entry;
    });

    Object.keys(state).forEach(function (id) {
      var entry = state[id];
      entry.layer.on("popupopen", function (e) {
        var source = e.propagatedFrom || e.layer;
        entry.openId = source && source.feature ? source.feature.id : null;
      });
      entry.layer.on("popupclose", function () { entry.openId = null; });
    });

    function toggle(id, on) {
      var entry = state[id];
      if (!entry) { return; }
      entry.on = on;
      if (on) { entry.layer.addTo(map); load(id); }
      else { map.removeLayer(entry.layer); countFor(id, null); }
    }

    form.addEventListener("change", function (e) {
      var target = e.target;
      if (target.name === "layers") { toggle(target.value, target.checked); }
      else if (target.dataset.filterFor) {
        var checkbox = document.getElementById("layer-" + target.dataset.filterFor);
        if (checkbox && !checkbox.checked) { checkbox.checked = true; toggle(target.dataset.filterFor, true); }
        else { load(target.dataset.filterFor); }
      }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.querySelectorAll("input[name=layers]:checked").forEach(function (box) { toggle(box.value, true); });

    var timer = null;
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        Object.keys(state).forEach(function (id) {
          var entry = state[id];
          if (entry.on && (!entry.module || entry.cfg.bbox)) { load(id); }
        });
      }, 250);
    });

    function show(result) {
      var id = result.layer;
      var entry = state[id];
      if (!entry) { return; }
      var checkbox = document.getElementById("layer-" + id);
      if (checkbox && !checkbox.checked) { checkbox.checked = true; }
      var b = result.bounds;
      if (b[0] === b[2] && b[1] === b[3]) { map.setView([result.lat, result.lon], 17); }
      else { map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 17 }); }
      map.closePopup();
      var open = function () {
        var found = null;
        entry.layer.eachLayer(function (l) { if (l.feature && l.feature.id === result.feature.id) { found = l; } });
        if (found) { found.openPopup(); return; }
        // Filtered out of the layer: show the found feature on its own.
        L.popup().setLatLng([result.lat, result.lon])
          .setContent(popupContent(entry.cfg, result.feature, labels)).openOn(map);
      };
      if (!entry.on) { entry.pending = open; toggle(id, true); }
      else { entry.pending = open; load(id); }
      element.focus();
    }

    var searchForm = document.querySelector(".geo-search");
    var results = document.getElementById("geo-search-results");
    if (searchForm && cfg.search) {
      searchForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var q = searchForm.querySelector("input[name=q]").value.trim();
        if (!q) { results.textContent = ""; return; }
        fetch(cfg.search + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            results.textContent = "";
            if (!data.results.length) { results.appendChild(text("p", labels.none, "meta")); return; }
            var list = document.createElement("ul");
            data.results.forEach(function (result) {
              var item = document.createElement("li");
              var button = text("button", result.name, "link-button geo-result");
              button.type = "button";
              button.setAttribute("aria-label", labels.show + ": " + result.name + " — " + result.layer_title);
              button.addEventListener("click", function () { show(result); });
              item.appendChild(button);
              item.appendChild(text("span", " — " + result.layer_title, "meta"));
              list.appendChild(item);
            });
            results.appendChild(list);
          });
      });
    }
    element.dataset.ready = "1";
  }

  function start() {
    var cfg = config();
    var element = document.getElementById("geo-map");
    if (!cfg || !element || typeof L === "undefined") { return; }
    geoportal(element, cfg);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
