// Idea campaigns (progressive enhancement: every page works without it).
// - #similar-ideas: similar ideas of the campaign while the title is typed.
// - .countdown[data-countdown]: a live countdown to the end of the phase.
// - #ideas-map: the campaign's ideas with a place (GeoJSON); #point-map: one
//   idea's place; #pick-map: the place of the idea being written (static/js/maps.js).
(function () {
  "use strict";

  function similarIdeas() {
    var box = document.getElementById("similar-ideas");
    var input = document.getElementById("id_title");
    if (!box || !input) { return; }
    var timer = null;
    var last = "";
    function render(results) {
      box.textContent = "";
      results = results.filter(function (r) { return String(r.id) !== box.dataset.exclude; });
      if (!results.length) { return; }
      var heading = document.createElement("p");
      heading.textContent = box.dataset.heading;
      var list = document.createElement("ul");
      results.forEach(function (r) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = r.url;
        link.textContent = r.title;
        item.appendChild(link);
        item.appendChild(document.createTextNode(" (" + r.status + ", " + (r.supports_label || r.supports) + ")"));
        list.appendChild(item);
      });
      box.appendChild(heading);
      box.appendChild(list);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var title = input.value.trim();
        if (title === last) { return; }
        last = title;
        if (title.length < 4) { render([]); return; }
        fetch(box.dataset.url + "?title=" + encodeURIComponent(title), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { render(data.results || []); })
          .catch(function () { render([]); });
      }, 300);
    });
  }

  function countdowns() {
    document.querySelectorAll(".countdown[data-countdown]").forEach(function (node) {
      var target = Date.parse(node.dataset.countdown);
      var label = node.querySelector(".countdown__left");
      if (isNaN(target) || !label) { return; }
      var timer = null;
      function tick() {
        var left = Math.round((target - Date.now()) / 1000);
        if (left <= 0) {
          label.textContent = node.dataset.done || "";
          clearInterval(timer);
          return;
        }
        var d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
        var m = Math.floor((left % 3600) / 60), s = left % 60;
        label.textContent = (d ? d + " " + (node.dataset.days || "d") + " " : "") + String(h).padStart(2, "0") + ":" +
          String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
        node.dataset.left = String(left);
      }
      tick();
      timer = setInterval(tick, 1000);
    });
  }

  function ideaPopup(feature) {
    var p = feature.properties;
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(p.subtopic + " · " + p.status_label + " · " + p.supports_label));
    return box;
  }

  function maps() {
    if (!window.EdemMap || !window.EdemMap.ready()) { return; }
    var cfg = window.EdemMap.config();
    var el = document.getElementById("ideas-map");
    if (el) { window.EdemMap.featureMap(el, cfg, ideaPopup); }
    el = document.getElementById("point-map");
    if (el) { window.EdemMap.pointMap(el, cfg); }
    el = document.getElementById("pick-map");
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
    if (el && lat && lon) { window.EdemMap.pickMap(el, cfg, lat, lon); }
  }

  function start() {
    similarIdeas();
    countdowns();
    maps();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());
