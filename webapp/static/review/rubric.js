// Rubric form: show the running total of the five parts (each 0-20) as the reviewer types.
(function () {
  "use strict";
  var parts = document.querySelectorAll("#rubric-form input.part");
  var total = document.getElementById("rubric-total");
  if (!parts.length || !total) { return; }
  function update() {
    var sum = 0, filled = 0;
    parts.forEach(function (input) {
      var v = parseFloat(input.value);
      if (!isNaN(v)) { sum += v; filled += 1; }
    });
    total.textContent = filled ? String(Math.round(sum * 10) / 10) : "—";
  }
  parts.forEach(function (input) { input.addEventListener("input", update); });
  update();
}());
