// Live participation counts: while a round is open, refresh the counts table every few
// seconds from a small JSON answer (no analysis on the server), and pause in hidden tabs.
(function () {
  "use strict";

  var status = document.getElementById("live-status");
  if (!status || !window.fetch) { return; }
  var url = status.getAttribute("data-live-url");
  var every = 5000;
  var fields = ["invited", "joined", "started", "finished"];

  function show(where, counts) {
    fields.forEach(function (field) {
      var cell = document.querySelector('[data-live="' + where + "." + field + '"]');
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
        data.groups.forEach(function (group, index) { show(String(index), group); });
        show("total", data.total);
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
