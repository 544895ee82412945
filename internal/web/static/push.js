// Alerts on this device, on the settings page: registers the service
// worker, and on the button's click (never before) asks for permission,
// subscribes with the server's key and hands the subscription to Rapport.
(function () {
  "use strict";

  var section = document.getElementById("alerts");
  if (!section) return;
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");

  function say(msg, failed) {
    status.textContent = msg;
    status.classList.toggle("failed", !!failed);
  }

  // A failure to tell the user as it is.
  function Problem(msg) { this.message = msg; }

  if (!window.isSecureContext) {
    say("Alerts need Rapport at a secure (https) address. Ask whoever runs it to serve it over HTTPS.", true);
    return;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser cannot get alerts. On an iPhone or iPad, add Rapport to the Home Screen first and open it from there.", true);
    return;
  }
  button.parentElement.hidden = false;

  // The server's key, from base64url to bytes.
  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    s += "===".slice((s.length + 3) % 4);
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function sameKey(buf, bytes) {
    if (!buf) return false;
    var a = new Uint8Array(buf);
    if (a.length !== bytes.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== bytes[i]) return false;
    return true;
  }

  var registration = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  // Mark this browser in the list of devices, when it is there.
  registration.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
    if (!sub) return;
    document.querySelectorAll(".push-devices li[data-endpoint]").forEach(function (li) {
      if (li.getAttribute("data-endpoint") === sub.endpoint) {
        li.querySelector(".this-device").hidden = false;
        button.textContent = "Turn on alerts on this device again";
      }
    });
  }).catch(function () {});

  var noPushService = "This browser has no push service to receive alerts with (as in some private windows, " +
    "and browsers without Google's, Mozilla's or Apple's services). Try another browser on this device.";

  function failure(e) {
    if (e instanceof Problem) return e.message;
    var name = e && e.name, msg = (e && e.message) || "";
    if (name === "NotAllowedError") {
      return "Alerts are blocked for this site. Allow notifications in the browser's site settings, then try again.";
    }
    if (name === "AbortError" || /push service/i.test(msg)) return noPushService;
    return "Alerts could not be turned on" + (msg ? ": " + msg : ".");
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("Asking for permission…");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Problem(permission === "denied"
          ? "Alerts are blocked for this site. Allow notifications in the browser's site settings, then try again."
          : "Alerts were not allowed. Press the button again to choose.");
      }
      say("Turning alerts on…");
      return Promise.all([
        registration.then(function () { return navigator.serviceWorker.ready; }),
        fetch("/push/key", { credentials: "same-origin" }).then(function (r) {
          if (!r.ok) throw new Problem("Rapport did not give its key for alerts; reload the page and try again.");
          return r.json();
        })
      ]);
    }).then(function (got) {
      var reg = got[0], key = keyBytes(got[1].publicKey);
      return reg.pushManager.getSubscription().then(function (old) {
        // A subscription made with another key cannot carry this server's alerts.
        if (old && !sameKey(old.options.applicationServerKey, key)) {
          return old.unsubscribe().then(function () { return null; });
        }
        return old;
      }).then(function (old) {
        if (old) return old;
        // A browser without a push service may never answer: give it a while.
        var wait = parseInt(section.getAttribute("data-timeout"), 10) || 15000;
        return Promise.race([
          reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
          new Promise(function (resolve, reject) {
            setTimeout(function () { reject(new Problem(noPushService)); }, wait);
          })
        ]);
      });
    }).then(function (sub) {
      return fetch("/push/subscriptions", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(sub.toJSON())
      });
    }).then(function (r) {
      if (r.status === 401) throw new Problem("Your session has ended. Sign in again, then turn alerts on.");
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          throw new Problem(body.error || "Rapport could not keep this device for alerts.");
        });
      }
      // Reload, to list the device (the server left a message saying so).
      say("Alerts are on for this device.");
      if (window.location.pathname === "/settings" && !window.location.search) {
        window.location.hash = "alerts";
        window.location.reload();
      } else {
        window.location.assign("/settings#alerts");
      }
    }).catch(function (e) {
      say(failure(e), true);
      button.disabled = false;
    });
  });
})();
