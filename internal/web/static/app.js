// reunite: small enhancements only. Every page works without this script.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  // Keyboard shortcuts: any element with data-key="c" is clicked (or, if
  // it is a field, focused) when that key is pressed outside a field.
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) { return; }
    var el = document.querySelector('[data-key="' + e.key.toLowerCase() + '"]');
    if (!el) { return; }
    e.preventDefault();
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") { el.focus(); } else { el.click(); }
  });
  // Live import progress: poll the JSON twin of the page and update the
  // bar; when the import ends, load the page (which shows the summary).
  var bar = document.querySelector("progress[data-poll]");
  if (bar) {
    var url = bar.getAttribute("data-poll");
    var tick = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        bar.max = p.total || 1; bar.value = p.done;
        var out = document.getElementById("progress-text");
        if (out) { out.textContent = p.done + " / " + p.total; }
        if (p.finished) { window.location.reload(); } else { setTimeout(tick, 500); }
      }).catch(function () { setTimeout(tick, 2000); });
    };
    setTimeout(tick, 300);
  }
})();
