// Comparison page: save each answer once it is given, so nothing is lost when a phone
// sleeps. A tap or click saves at once; arrow keys only move the choice, which is saved on
// Enter (as "Save and next") or when focus leaves the scale, never at every point passed.
// Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("comparison");
  if (!form || !window.fetch || !window.FormData) { return; }
  var scale = document.getElementById("scale");
  var words = document.getElementById("chosen-words");
  var status = document.getElementById("save-status");
  var count = document.getElementById("answered-count");
  var saveButton = document.getElementById("save-button");
  var target = form.getAttribute("action"); // form.action is the button named "action"
  var timer = null;
  var inFlight = false;
  var again = false;
  var pending = false; // chosen with the keyboard, not saved yet
  var byKeyboard = false;
  var submitting = false;

  function chosen() { return form.querySelector('input[name="value"]:checked'); }

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", Boolean(failed));
  }

  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  // One request at a time, the latest choice last.
  function save() {
    pending = false;
    if (!chosen() || submitting) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    var data = new FormData(form);
    data.set("action", "save");
    data.delete("confirm");
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

  scale.addEventListener("keydown", function (event) {
    if (event.target.name !== "value") { return; }
    if (event.key === "Enter") {
      event.preventDefault();
      if (chosen()) { form.requestSubmit(saveButton); }
      return;
    }
    byKeyboard = true;
  });
  scale.addEventListener("pointerdown", function () { byKeyboard = false; });

  form.addEventListener("change", function (event) {
    if (event.target.name !== "value") { return; }
    if (words) { words.textContent = event.target.dataset.words; }
    if (byKeyboard) { pending = true; clearTimeout(timer); } else { later(300); }
  });
  scale.addEventListener("focusout", function (event) {
    if (pending && !scale.contains(event.relatedTarget)) { later(0); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.name !== "reason") { return; }
    later(1000);
  });
  form.addEventListener("submit", function () {
    submitting = true;
    clearTimeout(timer);
  });
})();
