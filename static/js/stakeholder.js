// Comparison page: save each answer the moment it is given, so nothing is lost when a
// phone sleeps. Without JavaScript the form posts as usual; this only adds saving on change.
(function () {
  "use strict";
  var form = document.getElementById("comparison");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var count = document.getElementById("answered-count");
  var target = form.getAttribute("action"); // form.action is the button named "action"
  var timer = null;
  var inFlight = false;
  var again = false;

  function chosen() { return form.querySelector('input[name="value"]:checked'); }

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", Boolean(failed));
  }

  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  // One request at a time, the latest choice last: quick arrow-key moves never race.
  function save() {
    if (!chosen()) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    var data = new FormData(form);
    data.set("action", "save");
    say("Saving…");
    fetch(target, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) { say(result.body.error || "Not saved.", true); return; }
      say("Saved.");
      if (count) { count.textContent = result.body.answered + " " + form.dataset.answeredLabel; }
      var note = document.getElementById("prefilled-note");
      if (note) { note.remove(); }
    }).catch(function () {
      say("Not saved: check your connection. Your choice is still selected; press Save and next.", true);
    }).then(function () {
      inFlight = false;
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "value") { later(300); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.name !== "reason") { return; }
    later(1000);
  });
})();
