// Attempt page: autosave each answer the moment it is given (exam mode), and an accessible
// countdown. The server owns the deadline; this script only displays it. Without JavaScript
// the form still saves the answer whenever a button on the page is pressed.
(function () {
  "use strict";
  var page = document.querySelector(".attempt");
  var form = document.getElementById("answer-form");
  if (!page || !form) { return; }
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var position = parseInt(form.querySelector("input[name=position]").value, 10);

  function say(text) { if (status) { status.textContent = text; } }

  function chosen() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=option]:checked"), function (input) {
      return input.value;
    });
  }

  if (page.dataset.mode === "exam") {
    form.addEventListener("change", function (event) {
      if (event.target.name !== "option") { return; }
      var options = chosen();
      if (!options.length) { return; }
      say(form.dataset.saving || "Saving…");
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ position: position, option: options })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          form.querySelector("input[name=shown]").value = options.join(",");
          say(document.documentElement.lang === "tr" ? "Kaydedildi." : document.documentElement.lang === "de" ? "Gespeichert." : "Saved.");
          var current = document.querySelector(".nav-item[aria-current=step]");
          if (current) { current.classList.add("nav-answered"); }
        } else {
          say(result.body.message || "Not saved.");
        }
      }).catch(function () {
        say(document.documentElement.lang === "tr" ? "Bağlantı yok: cevabınız sayfadaki bir düğmeye bastığınızda kaydedilecek."
          : document.documentElement.lang === "de" ? "Keine Verbindung: Ihre Antwort wird beim nächsten Klick auf eine Schaltfläche gespeichert."
          : "No connection: your answer will be saved when you press any button on the page.");
      });
    });
  }

  var timer = document.getElementById("timer");
  if (!timer) { return; }
  var value = document.getElementById("timer-value");
  var announce = document.getElementById("timer-announce");
  var toggle = document.getElementById("timer-toggle");
  var remaining = parseInt(timer.dataset.remaining, 10);
  var started = Date.now();
  var announced = {};
  var marks = [30, 10, 5, 1];
  var lang = document.documentElement.lang;
  var left = { en: " minutes left", tr: " dakika kaldı", de: " Minuten übrig" };
  var oneLeft = { en: "1 minute left", tr: "1 dakika kaldı", de: "1 Minute übrig" };

  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var hidden = value.classList.toggle("visually-hidden");
    toggle.setAttribute("aria-expanded", hidden ? "false" : "true");
    toggle.textContent = hidden ? (toggle.dataset.show || "Show timer") : (toggle.dataset.hide || toggle.textContent);
  });
  toggle.dataset.hide = toggle.textContent;
  toggle.dataset.show = lang === "tr" ? "Süreyi göster" : lang === "de" ? "Zeit anzeigen" : "Show timer";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    var seconds = Math.max(0, remaining - Math.floor((Date.now() - started) / 1000));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    value.textContent = h + ":" + pad(m) + ":" + pad(s);
    var minutes = Math.ceil(seconds / 60);
    marks.forEach(function (mark) {
      // Announce once when crossing a mark; never every second.
      if (!announced[mark] && minutes <= mark && remaining > mark * 60) {
        announced[mark] = true;
        announce.textContent = mark === 1 ? (oneLeft[lang] || oneLeft.en) : mark + (left[lang] || left.en);
      }
    });
    if (seconds === 0) {
      window.location.reload();  // the server finalises the attempt and shows the report
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
