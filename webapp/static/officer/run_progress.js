// Follows a matcher run: polls its small JSON status, moves the bar, and shows the result when done.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var stage = document.getElementById("run-stage");
  var first = box.getAttribute("data-stage");
  if (first) { stage.textContent = box.getAttribute("data-stage-" + first) || first; }
  if (box.getAttribute("data-status") !== "running") { return; }
  var statusUrl = box.getAttribute("data-status-url");
  var bar = document.getElementById("run-bar");
  var count = document.getElementById("run-count");

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.percent;
        bar.textContent = s.percent + "%";
        stage.textContent = s.stage ? (box.getAttribute("data-stage-" + s.stage) || s.stage) : "";
        count.textContent = s.total ? (s.done + " / " + s.total) : "";
        if (s.status === "running") {
          window.setTimeout(poll, 700);
        } else {
          // done: the same address now shows the recommendations; failed: it shows the error
          window.location.assign(box.getAttribute("data-run-url"));
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
}());
