// Live turnout: refresh the bar every 20 seconds while voting runs.
(function () {
  "use strict";
  var box = document.querySelector(".turnout[data-live]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-turnout-url");
  var percent = box.querySelector("[data-turnout-percent]");
  var area = box.querySelector("[data-turnout-area]");
  var fill = box.querySelector("[data-turnout-fill]");
  var bar = box.querySelector("[role=progressbar]");
  var format = new Intl.NumberFormat(document.documentElement.lang || "uk", {
    minimumFractionDigits: 2, maximumFractionDigits: 2
  });
  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        percent.textContent = format.format(data.turnout_percent);
        area.textContent = data.turnout_area;
        fill.style.width = data.turnout_percent + "%";
        bar.setAttribute("aria-valuenow", data.turnout_percent);
        if (!data.voting_open) { window.clearInterval(timer); }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  var timer = window.setInterval(refresh, 20000);
})();
