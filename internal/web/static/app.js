// Rapport's small script. Every page works without it; it adds keyboard
// shortcuts in the call session, confirmations, the referrer picker and
// a few conveniences.
(function () {
  "use strict";

  // typing reports whether keys pressed in el are text: a radio or a
  // checkbox (an objection picked, a quick pick) leaves the shortcuts on.
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    if (tag === "INPUT") return !/^(radio|checkbox|button|submit|reset)$/.test(el.type);
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // Keyboard shortcuts: any element with data-key="x" is clicked when x is
  // pressed outside a text field. F focuses the notes; Escape leaves a field.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(e.target)) return;
    var key = e.key.toLowerCase();
    if (key === "f") {
      var notes = document.getElementById("f-notes");
      if (notes) { e.preventDefault(); notes.focus(); }
      return;
    }
    var el = document.querySelector('[data-key="' + key + '"]');
    if (el) { e.preventDefault(); el.click(); }
  });

  // Confirmation for buttons that cannot simply be undone.
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });

  // Opening a guide question (tapping it: asked) puts the cursor in its
  // answer field.
  document.addEventListener("click", function (e) {
    var summary = e.target.closest("details.ask > summary");
    if (!summary) return;
    var details = summary.parentElement;
    if (details.open) return;
    setTimeout(function () {
      var input = details.open && details.querySelector("input");
      if (input) input.focus();
    }, 0);
  });

  // A fact's hint follows its type.
  document.addEventListener("change", function (e) {
    if (e.target.name !== "fact_type") return;
    var opt = e.target.selectedOptions[0], text = e.target.parentElement.querySelector('input[name="fact_text"]');
    if (opt && text && opt.dataset.example) text.placeholder = opt.dataset.example;
  });

  // A chosen date means the "A date" quick pick.
  document.addEventListener("input", function (e) {
    if (e.target.name === "due_date" && e.target.value) {
      var form = e.target.form;
      var pick = form && form.querySelector('input[name="due"][value="date"]');
      if (pick) pick.checked = true;
    }
  });

  // Referrer picker: suggestions from /people/suggest as the user types.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || q.charAt(0) === "#") return;
      timer = setTimeout(function () {
        fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (it) {
              var opt = document.createElement("option");
              opt.value = it.label;
              list.appendChild(opt);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });

  // Setup: suggest a short name from the organisation's name.
  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var from = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!from) return;
    var edited = slug.value !== "";
    slug.addEventListener("input", function () { edited = true; });
    from.addEventListener("input", function () {
      if (edited) return;
      slug.value = from.value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
    });
  });

  // Stage pickers offer only the stages of the pipeline that fits the kind.
  var kind = document.getElementById("f-kind");
  var stage = document.querySelector(".person-form #f-stage");
  if (kind && stage) {
    var sync = function () {
      var want = kind.value === "recruit" ? "recruiting" : "clients";
      stage.querySelectorAll("optgroup").forEach(function (g) {
        var show = g.getAttribute("data-pipeline") === want;
        g.hidden = !show;
        g.disabled = !show;
        if (!show && g.contains(stage.selectedOptions[0])) stage.value = "";
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }

  // Recruiting board: drop a card on another stage to move it; a dialog
  // asks why (the reason goes on the timeline). Without script each card
  // has its own move form.
  var board = document.querySelector("[data-board]");
  var dialog = document.getElementById("move-dialog");
  if (board && dialog && typeof dialog.showModal === "function") {
    var dragged = null;
    board.addEventListener("dragstart", function (e) {
      var card = e.target.closest && e.target.closest(".card[data-person]");
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.getAttribute("data-person"));
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      board.querySelectorAll(".drop").forEach(function (c) { c.classList.remove("drop"); });
    });
    board.addEventListener("dragover", function (e) {
      var col = e.target.closest && e.target.closest(".board-col");
      if (!col || !dragged) return;
      e.preventDefault();
      board.querySelectorAll(".drop").forEach(function (c) { if (c !== col) c.classList.remove("drop"); });
      col.classList.add("drop");
    });
    board.addEventListener("drop", function (e) {
      var col = e.target.closest && e.target.closest(".board-col");
      if (!col || !dragged) return;
      e.preventDefault();
      col.classList.remove("drop");
      if (dragged.closest(".board-col") === col) return;
      var form = dialog.querySelector("form");
      form.elements.person.value = dragged.getAttribute("data-person");
      form.elements.stage.value = col.getAttribute("data-stage");
      dialog.querySelector("[data-name]").textContent = dragged.getAttribute("data-name") + " to " + col.querySelector("h2").firstChild.textContent.trim();
      dialog.showModal();
      form.elements.reason.focus();
    });
    dialog.querySelectorAll("[data-close]").forEach(function (b) {
      b.addEventListener("click", function () { dialog.close(); });
    });
  }
})();
