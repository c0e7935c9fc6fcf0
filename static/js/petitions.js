// Suggest similar petitions while the author types the title (progressive
// enhancement: the preview page lists them without JavaScript too).
(function () {
  "use strict";
  var box = document.getElementById("similar-petitions");
  var input = document.getElementById("id_title");
  if (!box || !input) { return; }
  var timer = null;
  var last = "";
  function render(results) {
    box.textContent = "";
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
      item.appendChild(document.createTextNode(
        " (" + r.status + ", " + (r.signatures_label || r.signatures) + ")"));
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
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { render(data.results || []); })
        .catch(function () { render([]); });
    }, 300);
  });
}());
