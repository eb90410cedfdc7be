// Disagreement map: step through the participant map with the keyboard, and print every table.
(function () {
  "use strict";

  function enhanceMap(frame) {
    var points = frame.querySelectorAll(".points > *");
    if (!points.length) return;
    var readout = document.createElement("p");
    readout.className = "point-readout";
    readout.setAttribute("aria-live", "polite");
    frame.after(readout);
    frame.tabIndex = 0;
    frame.setAttribute("role", "group");
    frame.setAttribute("aria-label", "Map of participants: use the arrow keys to step through the marks");
    var index = -1;

    function show(next) {
      if (index >= 0) points[index].classList.remove("active");
      index = (next + points.length) % points.length;
      var mark = points[index];
      mark.classList.add("active");
      var title = mark.querySelector("title");
      readout.textContent = "Mark " + (index + 1) + " of " + points.length + ": " +
        (title ? title.textContent : "");
    }

    frame.addEventListener("keydown", function (event) {
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      show(index < 0 && step < 0 ? -1 : index + step);
    });
    frame.addEventListener("blur", function () {
      if (index >= 0) points[index].classList.remove("active");
    });
  }

  document.querySelectorAll("#participants-figure .chart-frame").forEach(enhanceMap);

  // Closed <details> do not print: open them for printing, close them again after.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
