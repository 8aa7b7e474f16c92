// report.js — filters for the suite page; marks the page ready (the browser test reads it).
(function () {
  "use strict";
  function value(id) { var e = document.getElementById(id); return e ? e.value : ""; }
  function apply() {
    var fam = value("f-family"), out = value("f-outcome"), build = value("f-build");
    document.querySelectorAll("section.scenario, div.no-report").forEach(function (s) {
      var show = (!fam || s.dataset.family === fam) && (!out || s.dataset.outcome === out) &&
                 (!build || s.dataset.build === build);
      s.classList.toggle("hidden", !show);
    });
    document.querySelectorAll("table.matrix tr[data-family]").forEach(function (row) {
      var cells = row.querySelectorAll("td.cell"), any = false;
      cells.forEach(function (c) {
        var show = (!build || c.dataset.build === build) && (!out || c.dataset.outcome === out);
        c.classList.toggle("hidden", !show && !!build && c.dataset.build !== build);
        if (show) any = true;
      });
      row.classList.toggle("hidden", (fam && row.dataset.family !== fam) || !any);
    });
    document.querySelectorAll("th.build").forEach(function (th) {
      th.classList.toggle("hidden", !!build && th.dataset.build !== build);
    });
  }
  ["f-family", "f-outcome", "f-build"].forEach(function (id) {
    var e = document.getElementById(id);
    if (e) e.addEventListener("change", apply);
  });
  document.body.dataset.lanes = String(document.querySelectorAll("g.lane").length);
  document.body.dataset.violations = String(document.querySelectorAll(".violation-marker").length);
  document.body.dataset.ready = "1";
})();
