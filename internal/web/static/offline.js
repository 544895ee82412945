// Rapport without signal. The service worker (sw.js) keeps Today and the
// call screens and queues conversations logged without signal; this file
// is the queue (an IndexedDB store, used by the worker and the pages) and,
// on pages, what the user sees: the age of a saved page, the logs waiting
// to be sent, and what changed meanwhile.
//
// A queued log is the form as it was posted, with the key made when it
// was submitted. It is sent when the signal is back (the "online" event,
// a page load, Background Sync), and the server logs a key only once, so
// sending again after an answer that never arrived logs nothing twice. A
// log the server refuses stays queued, marked failed with the server's
// words, until the user sends it again or discards it.
(function (g) {
  "use strict";

  var DB = "rapport-offline", QUEUE = "queue", NOTICES = "notices", PAGES = "rapport-pages";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = g.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(QUEUE, { keyPath: "key" });
        req.result.createObjectStore(NOTICES, { keyPath: "id", autoIncrement: true });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  // tx runs fn(store) in a transaction and resolves with what fn's last
  // request gave, once the transaction is done.
  function tx(name, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(name, mode), out;
        var req = fn(t.objectStore(name));
        if (req) req.onsuccess = function () { out = req.result; };
        t.oncomplete = function () { db.close(); resolve(out); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all(name) {
    return tx(name, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return (a.queuedAt || a.id) - (b.queuedAt || b.id); });
    });
  }
  function put(name, v) { return tx(name, "readwrite", function (s) { return s.put(v); }); }
  function del(name, k) { return tx(name, "readwrite", function (s) { return s.delete(k); }); }

  function uuid() {
    if (g.crypto && g.crypto.randomUUID) return g.crypto.randomUUID();
    var b = g.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // enqueue keeps a posted conversation form (its url-encoded body) to
  // send later. The key in the form (or a new one) names it: queueing the
  // same form twice keeps one.
  function enqueue(path, body) {
    var form = new URLSearchParams(body);
    var key = form.get("idempotency_key");
    if (!key) {
      key = uuid();
      form.set("idempotency_key", key);
    }
    var outcome = form.get("outcome") || form.get("channel") || "conversation";
    return put(QUEUE, {
      key: key, path: path, body: form.toString(), queuedAt: Date.now(), status: "queued",
      user: form.get("as_user") || "", person: form.get("person_name") || "", outcome: outcome
    });
  }

  var flushing = null;

  // flush sends the queued logs of user (all, when null: the server
  // refuses another user's) in the order they were written. It stops at
  // the first that finds no signal or no session, to try again later.
  function flush(user) {
    if (flushing) return flushing;
    flushing = all(QUEUE).then(function (items) {
      var sent = 0;
      return items.reduce(function (p, item) {
        return p.then(function (go) {
          if (!go || item.status !== "queued" || (user && item.user && item.user !== user)) return go;
          return send(item).then(function (r) {
            if (r === "sent") sent++;
            return r === "sent" || r === "failed";
          });
        });
      }, Promise.resolve(true)).then(function () { return sent; });
    }).then(function (n) { flushing = null; return n; }, function (e) { flushing = null; throw e; });
    return flushing;
  }

  // send posts one queued log, asking for JSON, and records the answer:
  // "sent" (removed; its message or the changes meanwhile kept as a
  // notice), "failed" (refused; kept with the reason), or "wait" (no
  // signal, no session, a server error, another user signed in).
  function send(item) {
    var waited = Math.max(0, Math.round((Date.now() - item.queuedAt) / 1000));
    return g.fetch(item.path, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: item.body + "&queued_for=" + waited
    }).then(function (res) {
      var type = res.headers.get("Content-Type") || "";
      if (res.type === "opaqueredirect" || res.status >= 500 || type.indexOf("application/json") !== 0) {
        item.note = res.status === 401 || res.type === "opaqueredirect" ? "Sign in to send this." : "";
        return put(QUEUE, item).then(function () { return "wait"; });
      }
      return res.json().then(function (answer) {
        if (res.ok) {
          var changed = answer.changes && answer.changes.length;
          var text = changed ? "While you were offline: " + answer.changes.join(" ") : answer.message;
          if (answer.status === "replayed") text = answer.message.replace(/ Meanwhile: .*$/, "") + (changed ? " " + text : "");
          return put(NOTICES, { text: text, conflict: !!(answer.changes && answer.changes.length), at: Date.now() })
            .then(function () { return del(QUEUE, item.key); }).then(function () { return "sent"; });
        }
        if (res.status === 409 && /someone else/.test(answer.message || "")) {
          item.note = answer.message;
          return put(QUEUE, item).then(function () { return "wait"; });
        }
        item.status = "failed";
        item.error = answer.message || "The server refused this log.";
        return put(QUEUE, item).then(function () { return "failed"; });
      });
    }, function () { return "wait"; });
  }

  // clear forgets every kept page and the queue: on sign-out.
  function clear() {
    return Promise.all([
      g.caches ? g.caches.delete(PAGES) : null,
      tx(QUEUE, "readwrite", function (s) { return s.clear(); }),
      tx(NOTICES, "readwrite", function (s) { return s.clear(); })
    ]);
  }

  g.RapportOffline = {
    PAGES: PAGES, enqueue: enqueue, flush: flush, clear: clear, uuid: uuid,
    queue: function () { return all(QUEUE); }, notices: function () { return all(NOTICES); },
    put: function (item) { return put(QUEUE, item); }, discard: function (key) { return del(QUEUE, key); },
    dismiss: function (id) { return del(NOTICES, id); }
  };

  if (typeof document === "undefined") return;
  ui(g.RapportOffline);

  function ui(RO) {
    var meta = document.querySelector('meta[name="rapport-user"]');
    var user = meta ? meta.content : "";
    var savedAt = Number(document.body.getAttribute("data-offline-saved") || 0);
    var fromCache = document.body.hasAttribute("data-offline-saved");
    var main = document.getElementById("main");

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    }

    // Kept pages belong to the user who opened them: a page loaded online
    // as someone else (or signed out) drops them.
    // Saving pages waits for that: a page saved into the cache being
    // deleted would be lost with it (the first Today after signing in).
    var cleared = Promise.resolve();
    if (!fromCache && g.caches) {
      var owner = localStorage.getItem("rapport-owner") || "";
      if (owner !== user) {
        cleared = g.caches.delete(PAGES).catch(function () {});
        if (user) localStorage.setItem("rapport-owner", user); else localStorage.removeItem("rapport-owner");
      }
    }

    // The banner of a saved page: its age, kept current.
    var banner = null;
    if (fromCache && main) {
      banner = document.createElement("p");
      banner.className = "offline-banner";
      banner.setAttribute("role", "status");
      main.insertBefore(banner, main.firstChild);
      var tick = function () {
        banner.textContent = navigator.onLine ? "Saved " + ago(savedAt) + ". You are back online: " : "Saved " + ago(savedAt) + " — you are offline.";
        if (navigator.onLine) {
          var a = document.createElement("a");
          a.href = location.pathname + location.search.replace(/[?&]queued=1/, "");
          a.textContent = "reload";
          banner.appendChild(a);
        }
      };
      tick();
      setInterval(tick, 30000);
      g.addEventListener("online", tick);
      g.addEventListener("offline", tick);
    }

    // A conversation form gets its key when submitted: sending it twice
    // (a double tap, a retry, the queue) logs it once. A saved page's
    // "when" was filled in when the page was saved; untouched, it is left
    // to the queue, which counts how long the log waited.
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.hasAttribute || !form.hasAttribute("data-offline")) return;
      var key = form.querySelector('input[name="idempotency_key"]');
      if (key && !key.value) key.value = RO.uuid();
      var when = form.querySelector('input[name="occurred_at"]');
      if (fromCache && when && when.value === when.defaultValue) when.value = "";
      // Without a worker to catch it, a form posted offline is queued here.
      if (!navigator.onLine && !(navigator.serviceWorker && navigator.serviceWorker.controller)) {
        e.preventDefault();
        var data = new URLSearchParams(new FormData(form, e.submitter || null)).toString();
        RO.enqueue(new URL(form.action).pathname, data).then(function () { location.href = "/today?queued=1"; });
      }
    });

    // Signing out forgets this phone's copies and queue; unsent logs are
    // sent first, and the user is asked before any is lost.
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.classList || !form.classList.contains("signout") || form.dataset.cleared) return;
      e.preventDefault();
      var go = function () { return RO.clear().catch(function () {}).then(function () { form.dataset.cleared = "1"; form.submit(); }); };
      RO.flush(user).catch(function () {}).then(RO.queue).then(function (left) {
        var mine = left.filter(function (it) { return !user || !it.user || it.user === user; });
        if (mine.length && !g.confirm(mine.length + (mine.length === 1 ? " conversation has" : " conversations have") +
          " not been sent yet. Signing out deletes " + (mine.length === 1 ? "it" : "them") + " from this phone. Sign out anyway?")) return;
        return go();
      }, go);
    });

    // Today, loaded online, saves the call screen and log form of everyone
    // on it, so that they open without signal.
    if (!fromCache && user && location.pathname === "/today" && navigator.serviceWorker) {
      var urls = ["/today", "/call"];
      document.querySelectorAll('.slip a[href^="/call/"]').forEach(function (a) {
        var id = a.getAttribute("href").split("/")[2];
        urls.push("/call/" + id, "/people/" + id + "/log");
      });
      cleared.then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
        if (reg.active) reg.active.postMessage({ type: "precache", urls: urls });
      });
    }

    var panel = null;
    function render() {
      return Promise.all([RO.queue(), RO.notices()]).then(function (r) {
        var items = r[0].filter(function (it) { return !user || !it.user || it.user === user; });
        var notices = r[1];
        if (!main) return;
        if (!panel) {
          panel = document.createElement("section");
          panel.className = "offline-queue";
          panel.setAttribute("aria-live", "polite");
          main.insertBefore(panel, banner ? banner.nextSibling : main.firstChild);
        }
        panel.textContent = "";
        panel.hidden = !items.length && !notices.length;
        notices.forEach(function (n) {
          var p = el("p", n.conflict ? "offline-conflict" : "offline-sent", n.text);
          p.setAttribute("role", n.conflict ? "alert" : "status");
          var ok = el("button", "link", "OK");
          ok.type = "button";
          ok.addEventListener("click", function () { RO.dismiss(n.id).then(render); });
          p.appendChild(document.createTextNode(" "));
          p.appendChild(ok);
          panel.appendChild(p);
        });
        if (!items.length) return;
        panel.appendChild(el("h2", "", items.length === 1 ? "1 conversation waiting to be sent" : items.length + " conversations waiting to be sent"));
        var list = el("ul", "queued", "");
        items.forEach(function (it) {
          var li = el("li", it.status === "failed" ? "failed" : "", "");
          li.appendChild(el("span", "what", label(it.outcome) + " with " + (it.person || "someone") + " · " + ago(it.queuedAt)));
          if (it.status === "failed") {
            li.appendChild(el("span", "why", "Not sent: " + it.error));
            var retry = el("button", "link", "Send again");
            retry.type = "button";
            retry.addEventListener("click", function () {
              it.status = "queued"; delete it.error;
              RO.put(it).then(function () { return RO.flush(user); }).then(render, render);
            });
            var drop = el("button", "link danger", "Discard");
            drop.type = "button";
            drop.addEventListener("click", function () {
              var notes = new URLSearchParams(it.body).get("notes") || "";
              if (g.confirm("Discard this log" + (notes ? " (notes: “" + notes.slice(0, 80) + "”)" : "") + "? It will not be saved.")) {
                RO.discard(it.key).then(render);
              }
            });
            li.appendChild(retry);
            li.appendChild(drop);
          } else if (it.note) {
            li.appendChild(el("span", "why", it.note));
          }
          list.appendChild(li);
        });
        panel.appendChild(list);
      }).catch(function () {});
    }

    function send() {
      if (!user || fromCache || !navigator.onLine) return render();
      return RO.flush(user).then(render, render);
    }
    g.addEventListener("online", function () {
      if (!user) return;
      RO.flush(user).then(render, render);
    });
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (e) {
        if (e.data && e.data.type === "precached") document.documentElement.setAttribute("data-precached", "1");
      });
    }
    send();
    g.RapportOffline.render = render;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  var LABELS = { no_answer: "No answer", voicemail: "Voicemail", bad_number: "Bad number", live: "Live conversation",
    appointment_set: "Appointment set", do_not_call: "Asked not to be called" };
  function label(o) { return LABELS[o] || (o.charAt(0).toUpperCase() + o.slice(1)); }

  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) return "just now";
    var m = Math.round(s / 60);
    if (m < 60) return m + (m === 1 ? " minute ago" : " minutes ago");
    var h = Math.round(m / 60);
    if (h < 48) return h + (h === 1 ? " hour ago" : " hours ago");
    return Math.round(h / 24) + " days ago";
  }
})(self);
