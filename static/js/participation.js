// Live participation counts: while a round is open, refresh the counts table every few
// seconds from a small JSON answer (no analysis on the server), and pause in hidden tabs.
// The table has a row per group (in the answer's order), then the total; after the
// group's name come the invited, joined, started and finished columns.
(function () {
  "use strict";

  var status = document.getElementById("live-status");
  var table = document.getElementById("participation-counts");
  if (!status || !table || !window.fetch) { return; }
  var url = status.getAttribute("data-live-url");
  var every = 5000;
  var fields = ["invited", "joined", "started", "finished"];

  function show(row, counts) {
    if (!row) { return; }
    fields.forEach(function (field, index) {
      var cell = row.cells[index + 1];
      if (cell && counts[field] !== undefined) { cell.textContent = String(counts[field]); }
    });
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        data.groups.forEach(function (group, index) { show(table.tBodies[0].rows[index], group); });
        show(table.tFoot && table.tFoot.rows[0], data.total);
        status.textContent = "Counts update every " + every / 1000 + " seconds; last at " +
          new Date().toLocaleTimeString() + ".";
        if (!data.open) { window.clearInterval(timer); }
      })
      .catch(function () {
        status.textContent = "Live counts paused (the server did not answer); reload the page to retry.";
        window.clearInterval(timer);
      });
  }

  var timer = window.setInterval(refresh, every);
  status.textContent = "Counts update every " + every / 1000 + " seconds.";
}());
