// Alerts, in the service worker (imported by /sw.js): a push becomes a
// notification; tapping it opens its page of this site; a subscription
// the browser renews is handed to Rapport again.
(function () {
  "use strict";

  var home = self.location.origin + "/today";

  // Only pages of this site are opened.
  function pageURL(u) {
    try {
      var url = new URL(u || "/today", self.location.origin);
      return url.origin === self.location.origin ? url.href : home;
    } catch (e) {
      return home;
    }
  }

  self.addEventListener("push", function (event) {
    var data = {};
    if (event.data) {
      try {
        data = event.data.json();
      } catch (e) {
        data = { body: event.data.text() };
      }
    }
    var options = { body: data.body || "", data: { url: pageURL(data.url) } };
    if (data.tag) {
      options.tag = data.tag;
      options.renotify = true;
    }
    event.waitUntil(self.registration.showNotification(data.title || "Rapport", options));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var url = (event.notification.data && event.notification.data.url) || home;
    event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    }));
  });

  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    s += "===".slice((s.length + 3) % 4);
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  // The browser renewed (or dropped) the subscription: subscribe again
  // and tell Rapport, forgetting the old one.
  self.addEventListener("pushsubscriptionchange", function (event) {
    var old = event.oldSubscription;
    event.waitUntil(fetch("/push/key", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("no key");
      return r.json();
    }).then(function (k) {
      return event.newSubscription || self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(k.publicKey) });
    }).then(function (sub) {
      return post("/push/subscriptions", sub.toJSON());
    }).then(function () {
      if (old) return post("/push/subscriptions/delete", { endpoint: old.endpoint });
    }).catch(function () {}));
  });
})();
