// Registration form: with "use the county centre" ticked, fill lat/lon from the chosen county.
(function () {
  "use strict";
  var county = document.getElementById("county");
  var useCentre = document.getElementById("use_centre");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!county || !useCentre || !lat || !lon) { return; }
  function fill() {
    var option = county.options[county.selectedIndex];
    if (useCentre.checked && option && option.dataset.lat) {
      lat.value = option.dataset.lat;
      lon.value = option.dataset.lon;
    }
    lat.readOnly = lon.readOnly = useCentre.checked;
  }
  county.addEventListener("change", fill);
  useCentre.addEventListener("change", fill);
  fill();
}());
