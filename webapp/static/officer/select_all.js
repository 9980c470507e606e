// "Select all on this page" for accepting many recommendations at once.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll("input.pick");
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
  });
}());
