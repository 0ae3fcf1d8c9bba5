// A print run's page: poll its state every 2 s, move the progress bar, reload once it has ended
// (the page then lists the files). Without script the page's refresh link does the same.
(function () {
  var box = document.getElementById("print-run");
  if (!box || box.dataset.final === "true") { return; }
  var bar = document.getElementById("print-run-progress");
  var text = document.getElementById("print-run-done");
  function poll() {
    fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        bar.max = Math.max(state.buildings_total, 1);
        bar.value = state.status === "done" ? bar.max : state.buildings_done;
        bar.textContent = state.percent + "%";
        text.textContent = state.buildings_done + " / " + state.buildings_total;
        if (state.status === "done" || state.status === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
