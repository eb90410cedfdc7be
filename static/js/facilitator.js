// Copy buttons for invitation links: the links are readable and selectable without this.
(function () {
  "use strict";

  function flash(button, text) {
    var label = button.textContent;
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  function copy(text, button) {
    if (!navigator.clipboard) {
      flash(button, "Select and copy");
      return;
    }
    navigator.clipboard.writeText(text).then(
      function () { flash(button, "Copied"); },
      function () { flash(button, "Select and copy"); }
    );
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.select();
      copy(input.value, button);
    });
  });

  document.querySelectorAll("[data-copy-all]").forEach(function (button) {
    var scope = document.querySelector(button.getAttribute("data-copy-all"));
    if (!scope) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var lines = Array.prototype.map.call(scope.querySelectorAll(".link-input"), function (input) {
        var label = input.getAttribute("aria-label").replace(/^Link for /, "");
        return label + "\t" + input.value;
      });
      copy(lines.join("\n"), button);
    });
  });
}());
