// Lesson editor: a live preview as the trainer types. The server renders the Markdown with the
// same sanitiser as the learner's page; this script only asks for it, half a second after typing.
(function () {
  "use strict";
  var body = document.getElementById("body_markdown");
  var panel = document.getElementById("live-preview");
  if (!body || !panel) { return; }
  var token = document.querySelector("input[name=csrf_token]").value;
  var timer = null;
  panel.hidden = false;

  function refresh() {
    fetch(panel.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ markdown: body.value })
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { panel.querySelector(".preview-body").innerHTML = data.html; } })
      .catch(function () { /* offline: the Preview button still works */ });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  });
  refresh();
})();
