/* Consultations: live conditions and autosave of survey answers, the quiz timer.
   Every page works without this script; it only adds. */
(function () {
  "use strict";

  function checkedValues(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (input) { return input.value; });
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (question) {
      var shown = checkedValues(form, question.dataset.showIf).indexOf(question.dataset.showValue) !== -1;
      question.hidden = !shown;
      var note = question.querySelector(".condition-note");
      if (note) { note.hidden = true; }
    });
  }

  function setupSurvey(form) {
    var status = form.querySelector(".autosave-status");
    var timer = null;
    applyConditions(form);
    function save() {
      var data = new FormData(form);
      fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          if (!status) { return; }
          status.textContent = result.saved
            ? (form.dataset.savedText || "Saved") + " " + result.at
            : (form.dataset.unsavedText || "Not saved yet: check the marked answers.");
        })
        .catch(function () { /* the buttons still save on the server */ });
    }
    form.addEventListener("change", function () {
      applyConditions(form);
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 600);
    });
    form.addEventListener("input", function (event) {
      if (event.target.tagName !== "TEXTAREA" && event.target.type !== "text") { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 1500);
    });
  }

  function setupTimer(box) {
    var left = parseInt(box.dataset.seconds, 10);
    var out = box.querySelector(".timer__left");
    var form = document.getElementById("quiz-form");
    var end = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(seconds / 60), s = seconds % 60;
      out.textContent = "(" + m + ":" + (s < 10 ? "0" : "") + s + ")";
      if (seconds <= 0) {
        window.clearInterval(interval);
        if (form && !form.dataset.sent) { form.dataset.sent = "1"; form.submit(); }
      }
    }
    var interval = window.setInterval(tick, 1000);
    tick();
  }

  // Map-point questions: a map over the latitude/longitude fields (static/js/maps.js).
  function setupPointMaps() {
    if (!window.EdemMap || !window.EdemMap.ready()) { return; }
    var cfg = window.EdemMap.config();
    document.querySelectorAll(".point__map").forEach(function (element) {
      var lat = document.getElementById(element.dataset.latInput);
      var lon = document.getElementById(element.dataset.lonInput);
      if (!lat || !lon) { return; }
      element.hidden = false;
      var help = document.getElementById(element.getAttribute("aria-describedby"));
      if (help) { help.hidden = false; }
      var map = window.EdemMap.pickMap(element, cfg, lat, lon);
      // A question shown later by a condition gets its size only then.
      var question = element.closest(".question");
      if (question && window.MutationObserver) {
        new MutationObserver(function () { if (!question.hidden) { map.invalidateSize(); } })
          .observe(question, { attributes: true, attributeFilter: ["hidden"] });
      }
    });
  }

  // Results of map-point questions: every place given, as a dot.
  function setupResultMaps() {
    if (!window.EdemMap || !window.EdemMap.ready()) { return; }
    var cfg = window.EdemMap.config();
    document.querySelectorAll(".point__map--results").forEach(function (element) {
      var source = document.getElementById(element.dataset.points);
      var points = source ? JSON.parse(source.textContent) : [];
      element.hidden = false;
      var map = window.EdemMap.baseMap(element, cfg, 12);
      var dots = points.map(function (p) {
        return L.circleMarker(p, { radius: 6, color: "#fff", weight: 1,
          fillColor: "#0b4ea2", fillOpacity: 0.8, interactive: false });
      });
      var layer = L.featureGroup(dots).addTo(map);
      if (dots.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
      element.dataset.loaded = String(dots.length);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPointMaps();
    setupResultMaps();
    var form = document.getElementById("survey-form");
    if (form) { setupSurvey(form); }
    var box = document.getElementById("quiz-timer");
    if (box) { setupTimer(box); }
  });
})();
