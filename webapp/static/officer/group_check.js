// Checks a changed group at once: every edit of the member rows asks the server which rules the
// group breaks and what each organization would cover; "add" buttons fill the first empty row.
(function () {
  "use strict";
  var form = document.getElementById("change-form");
  if (!form) { return; }
  var out = document.getElementById("live-problems");
  var timer = null;

  function rows() { return form.querySelectorAll("tr.member-row"); }

  function collect() {
    var orgs = [], lead = "";
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      orgs.push(all[i].querySelector("input[name=org]").value);
      if (all[i].querySelector("input[name=lead]").checked) { lead = String(i); }
    }
    return { run_id: form.getAttribute("data-run"), village_id: form.getAttribute("data-village"), orgs: orgs, lead: lead };
  }

  function show(result) {
    out.textContent = "";
    if (result.problems.length) {
      var ul = document.createElement("ul");
      result.problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p;
        ul.appendChild(li);
      });
      out.appendChild(ul);
    }
    var byOrg = {};
    result.members.forEach(function (m) { byOrg[m.org_id] = m; });
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      var id = all[i].querySelector("input[name=org]").value.trim();
      var info = all[i].querySelector(".member-info");
      var m = byOrg[id];
      info.textContent = m ? (m.name + (m.covers.length ? " · " + m.covers.join("、") : "") +
        (m.capacity_left === null ? "" : " · " + m.capacity_left)) : "";
    }
  }

  function check() {
    fetch(form.getAttribute("data-check-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.getAttribute("data-csrf") },
      body: JSON.stringify(collect())
    }).then(function (r) { return r.json(); }).then(show).catch(function () {});
  }

  function later() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(check, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  var adds = document.querySelectorAll("button.add-org");
  for (var i = 0; i < adds.length; i++) {
    adds[i].addEventListener("click", function (event) {
      var id = event.currentTarget.getAttribute("data-org");
      var all = rows();
      for (var j = 0; j < all.length; j++) {
        var input = all[j].querySelector("input[name=org]");
        if (!input.value.trim()) { input.value = id; break; }
      }
      check();
    });
  }
}());
