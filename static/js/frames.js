// Wide tables and charts scroll inside their own frame, with a visible hint, instead of
// pushing the whole page sideways on a phone. Charts keep text at least MIN_TEXT pixels
// high. A frame that scrolls can be focused and scrolled with the keyboard, and is named
// after its table's caption or its chart's title.
(function () {
  "use strict";
  var MIN_TEXT = 11;

  function name(box) {
    var table = box.querySelector("table");
    if (table && table.caption) return table.caption.textContent.trim();
    var title = box.querySelector("svg > title");
    return title ? title.textContent.trim() : "Table";
  }

  function hint(box) {
    var wide = box.scrollWidth > box.clientWidth + 1;
    var note = box.previousElementSibling;
    var has = note && note.classList.contains("scroll-hint");
    box.classList.toggle("is-wide", wide);
    if (!box.classList.contains("own-frame")) return;
    if (wide) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box) + " (scrolls sideways)");
      box.tabIndex = 0;
      if (!has) {
        note = document.createElement("p");
        note.className = "scroll-hint";
        note.textContent = "Scroll sideways to see all of it →";
        box.parentNode.insertBefore(note, box);
      }
    } else {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("tabindex");
      if (has) note.remove();
    }
  }

  function frame(element) {
    var box = document.createElement("div");
    box.className = "table-scroll own-frame";
    element.parentNode.insertBefore(box, element);
    box.appendChild(element);
    return box;
  }

  // The narrowest a chart may be drawn with its smallest text still MIN_TEXT pixels high.
  function readable(svg) {
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !box.width) return;
    var smallest = Infinity;
    svg.querySelectorAll("text").forEach(function (text) {
      var size = parseFloat(window.getComputedStyle(text).fontSize);
      if (size) smallest = Math.min(smallest, size);
    });
    if (!isFinite(smallest)) return;
    svg.style.setProperty("--readable-width", Math.ceil(box.width * MIN_TEXT / smallest) + "px");
    svg.classList.add("readable");
  }

  var boxes = [];
  document.querySelectorAll("main table").forEach(function (table) {
    if (!table.closest(".table-scroll, .chart-frame")) boxes.push(frame(table));
  });
  document.querySelectorAll("main svg[viewBox]").forEach(function (svg) {
    readable(svg);
    var scroller = svg.closest(".table-scroll, .chart-frame");
    if (!scroller) boxes.push(frame(svg));
    else if (boxes.indexOf(scroller) < 0) boxes.push(scroller);
  });
  boxes.forEach(hint);
  if ("ResizeObserver" in window) {
    var observer = new ResizeObserver(function () { boxes.forEach(hint); });
    boxes.forEach(function (box) { observer.observe(box); });
  }
})();
