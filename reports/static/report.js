// report.js — filters for the suite page (family, outcome, build, V8 version); marks the
// page ready and counts what it drew: lanes, violation markers, version columns,
// unsupported cells, callback blocks and their nested steps (the browser test reads it).
(function () {
  "use strict";
  function value(id) { var e = document.getElementById(id); return e ? e.value : ""; }
  function has(list, x) { return (" " + (list || "") + " ").indexOf(" " + x + " ") >= 0; }
  function each(root, sel, fn) { Array.prototype.forEach.call(root.querySelectorAll(sel), fn); }
  function apply() {
    var fam = value("f-family"), out = value("f-outcome"), build = value("f-build"), v8 = value("f-v8");
    each(document, "section.scenario", function (s) {
      var show = (!fam || s.dataset.family === fam) && (!build || s.dataset.build === build) &&
                 (!v8 || has(s.dataset.v8, v8));
      if (show && out) {  // some shown runtime of it has that outcome
        show = Array.prototype.some.call(s.querySelectorAll("th.v8col"), function (th) {
          return th.dataset.outcome === out && (!v8 || th.dataset.v8 === v8);
        });
      }
      s.classList.toggle("hidden", !show);
      each(s, "[data-v8]", function (e) { e.classList.toggle("hidden", !!v8 && !has(e.dataset.v8, v8)); });
    });
    each(document, "table.matrix tbody tr", function (row) {
      var any = false;
      each(row, "td.cell", function (c) {
        var col = (!build || c.dataset.build === build) && (!v8 || c.dataset.v8 === v8);
        c.classList.toggle("hidden", !col);
        if (col && (!out || c.dataset.outcome === out)) any = true;
      });
      row.classList.toggle("hidden", (!!fam && row.dataset.family !== fam) || !any);
    });
    each(document, "table.matrix th.build", function (th) {
      th.classList.toggle("hidden", !!build && th.dataset.build !== build);
      th.colSpan = v8 ? 1 : Number(th.dataset.span || 1);
    });
    each(document, "table.matrix th.version", function (th) {
      th.classList.toggle("hidden", (!!build && th.dataset.build !== build) || (!!v8 && th.dataset.v8 !== v8));
    });
  }
  ["f-family", "f-outcome", "f-build", "f-v8"].forEach(function (id) {
    var e = document.getElementById(id);
    if (e) e.addEventListener("change", apply);
  });
  var versions = {};
  each(document, "th.v8col, table.matrix th.version", function (th) { versions[th.dataset.v8] = true; });
  document.body.dataset.lanes = String(document.querySelectorAll("g.lane").length);
  document.body.dataset.violations = String(document.querySelectorAll(".violation-marker").length);
  // callback blocks: the call bars drawn, the marks nested inside one, the blocks never reached
  document.body.dataset.blocks = String(document.querySelectorAll("svg.lanes g.call").length);
  document.body.dataset.nested = String(document.querySelectorAll("svg.lanes .step.nested").length);
  document.body.dataset.notReached = String(document.querySelectorAll("svg.lanes g.call.not-reached").length);
  document.body.dataset.syncArrows = String(document.querySelectorAll("svg.lanes g.sync-arrow").length);
  document.body.dataset.versionColumns = String(document.querySelectorAll("th.v8col, table.matrix th.version").length);
  document.body.dataset.versions = Object.keys(versions).sort().join(" ");
  var matrix = document.querySelector("table.matrix");  // unsupported cells: the matrix's, else the columns'
  document.body.dataset.unsupported = String(matrix ? matrix.querySelectorAll("td.cell.unsupported").length
                                                    : document.querySelectorAll("td.unsupported").length);
  document.body.dataset.ready = "1";
})();
