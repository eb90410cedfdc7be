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
    if (wide && !has) {
      note = document.createElement("p");
      note.className = "scroll-hint";
      note.textContent = "Scroll sideways to see all of it →";
      box.parentNode.insertBefore(note, box);
    } else if (!wide && has) {
      note.remove();
    }
    // A frame that scrolls is named and focusable, unless another script already made it
    // so; what this script added is taken away again when the frame stops scrolling.
    var label = name(box) + " (scrolls sideways)";
    if (wide && !box.hasAttribute("tabindex")) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", label);
      box.tabIndex = 0;
    } else if (!wide && box.getAttribute("aria-label") === label) {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("tabindex");
    }
  }

  function frame(element) {
    var box = document.createElement("div");
    box.className = "table-scroll";
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
  function framed(element) {
    var scroller = element.closest(".table-scroll, .chart-frame") || frame(element);
    if (boxes.indexOf(scroller) < 0) boxes.push(scroller);
  }
  document.querySelectorAll("main table").forEach(framed);
  document.querySelectorAll("main svg[viewBox]").forEach(function (svg) {
    readable(svg);
    framed(svg);
  });
  function all() { boxes.forEach(hint); }
  all();
  // Stylesheets and fonts that arrive later, and a turned phone, change what overflows.
  window.addEventListener("load", all);
  if ("ResizeObserver" in window) {
    var observer = new ResizeObserver(all);
    boxes.forEach(function (box) {
      observer.observe(box);
      observer.observe(box.firstElementChild);
    });
  }
})();
