/* Tier editor: "add a tier" copies the last row with empty inputs (at most 10 rows). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-tier]");
    if (!button) return;
    var body = document.querySelector("[data-tier-rows]");
    var rows = body.querySelectorAll("tr");
    if (rows.length >= 10) return;
    var row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    row.querySelector("td").textContent = String(rows.length + 1);
    body.appendChild(row);
    if (rows.length + 1 >= 10) button.disabled = true;
  });
})();
