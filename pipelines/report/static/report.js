// The partners page: keep the pairs of one industry, and show a pair's two districts on the map pair.
// Runs from the file system; no request leaves the page.
(function () {
  "use strict";
  var select = document.getElementById("industry");
  var table = document.getElementById("pairs");
  if (!select || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var shown = document.getElementById("shown");
  var districtShapes = document.querySelectorAll(".partner-map .districts_marks path");

  function mark(ids, className) {
    districtShapes.forEach(function (shape) {
      shape.classList.toggle(className, ids.has(shape.getAttribute("aria-label")));
    });
  }

  function filter() {
    var industry = select.value;
    var visible = new Set();
    var count = 0;
    rows.forEach(function (row) {
      var keep = !industry || row.dataset.industries.split(" ").indexOf(industry) >= 0;
      row.hidden = !keep;
      row.classList.remove("selected");
      if (keep) {
        count += 1;
        visible.add(row.dataset.first);
        visible.add(row.dataset.second);
      }
    });
    districtShapes.forEach(function (shape) {
      shape.classList.toggle("dim", !visible.has(shape.getAttribute("aria-label")));
    });
    mark(new Set(), "selected");
    shown.textContent = shown.dataset.template.replace("{shown}", count).replace("{total}", rows.length);
  }

  function choose(row) {
    rows.forEach(function (other) { other.classList.toggle("selected", other === row); });
    mark(new Set([row.dataset.first, row.dataset.second]), "selected");
  }

  select.addEventListener("change", filter);
  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.tagName !== "A") { choose(row); }
    });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(row); }
    });
  });
  filter();
})();
