// The letter's "print" button (no inline handlers: the CSP allows scripts from files only).
(function () {
  "use strict";
  var button = document.getElementById("print-letter");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
