// Live Today: an open Today page hears of a new lead (its own, or one in
// the pond) through server-sent events and shows it without a reload,
// with a short tone the user can switch off. Without script, or when the
// stream fails, Today is the ordinary page it always was.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box || !window.EventSource) return;
  var sound = document.getElementById("live-sound");
  var note = box.querySelector(".live-note");
  var KEY = "rapport.liveSound";
  if (sound) {
    sound.checked = localStorage.getItem(KEY) !== "off";
    sound.addEventListener("change", function () {
      localStorage.setItem(KEY, sound.checked ? "on" : "off");
    });
  }

  // tone plays two soft notes, made here rather than loaded.
  function tone() {
    if (!sound || !sound.checked) return;
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      var ac = new AC();
      [660, 880].forEach(function (f, i) {
        var o = ac.createOscillator(), g = ac.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, ac.currentTime + i * 0.18);
        g.gain.exponentialRampToValueAtTime(0.15, ac.currentTime + i * 0.18 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, ac.currentTime + i * 0.18 + 0.3);
        o.connect(g).connect(ac.destination);
        o.start(ac.currentTime + i * 0.18);
        o.stop(ac.currentTime + i * 0.18 + 0.35);
      });
    } catch (e) { /* no sound, no matter */ }
  }

  function names(doc) {
    var out = {};
    doc.querySelectorAll(".slip h2, .slip h3").forEach(function (h) { out[h.textContent.trim()] = true; });
    return out;
  }

  // refresh replaces the list and the pond with the server's, and says
  // who is new.
  function refresh() {
    fetch("/today", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var before = names(document);
        var fresh = [];
        Object.keys(names(doc)).forEach(function (n) { if (!before[n]) fresh.push(n); });
        var main = document.querySelector("main"), next = doc.querySelector("main");
        if (!main || !next) return;
        var keep = document.getElementById("live");
        main.innerHTML = next.innerHTML;
        var slot = document.getElementById("live");
        if (slot && keep) slot.replaceWith(keep);
        if (fresh.length) {
          note.textContent = "New: " + fresh.join(", ");
          note.hidden = false;
          tone();
        }
      })
      .catch(function () { /* the next event tries again */ });
  }

  var es = new EventSource(box.getAttribute("data-live"));
  es.addEventListener("today", refresh);
})();
