// The upload page: check a file (dry run), then load it, as the person signed in (their
// session cookie and its CSRF token) or with the token typed in the form.
(function () {
  var drop = document.getElementById("drop"), input = document.getElementById("file");
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("drop", function (e) { e.preventDefault(); input.files = e.dataTransfer.files; });
  function send(dryRun) {
    var body = new FormData();
    body.append("file", input.files[0]);
    var headers = {"Accept-Language": document.documentElement.lang};
    var csrf = document.querySelector('meta[name="csrf-token"]'), token = document.getElementById("token");
    if (csrf) { headers["X-CSRF-Token"] = csrf.content; }
    else { headers["Authorization"] = "Bearer " + token.value; }
    return fetch("/api/uploads?dry_run=" + dryRun, {
      method: "POST", body: body, headers: headers, credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (report) {
      var table = document.getElementById("issues"), rows = table.querySelector("tbody");
      rows.innerHTML = "";
      if (report.error) { document.getElementById("result").textContent = report.error.message; table.hidden = true; return report; }
      document.getElementById("result").textContent = report.summary;
      report.errors.concat(report.warnings).forEach(function (issue) {
        var tr = document.createElement("tr");
        [issue.line, issue.column, issue.reason].forEach(function (cell) {
          var td = document.createElement("td"); td.textContent = cell === null ? "" : cell; tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
      table.hidden = rows.children.length === 0;
      document.getElementById("commit").disabled = !(dryRun && report.status === "checked");
      return report;
    });
  }
  document.getElementById("check").addEventListener("click", function () { send(true); });
  document.getElementById("commit").addEventListener("click", function () { send(false); });
})();
