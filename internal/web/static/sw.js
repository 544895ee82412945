// Rapport's service worker, served at /sw.js. It keeps Today and the call
// screens for use without signal, and queues conversations logged without
// signal (the queue itself is offline.js, shared with the pages).
//
//   - /static/ files are versioned by their content: cache first.
//   - Today, the call screens and the log form (PAGES below): network
//     first; without signal the last copy, marked with when it was saved.
//   - A conversation form posted without signal is queued on the phone
//     and sent when the signal is back, exactly once (its key).
//   - Nothing else is kept: no API answer, no other page.
"use strict";

var VERSION = "__VERSION__";
var ASSETS = "__ASSETS__";
importScripts("__OFFLINE_JS__");
// Alerts: push messages become notifications (sw-push.js).
importScripts("__PUSH_JS__");

var STATIC = "rapport-static-" + VERSION;
var PAGES = self.RapportOffline.PAGES;
var PAGE_PATHS = [/^\/today$/, /^\/call$/, /^\/call\/\d+$/, /^\/people\/\d+\/log$/];
var LOG_PATHS = [/^\/call\/\d+$/, /^\/people\/\d+\/log$/];

function matches(list, path) {
  return list.some(function (re) { return re.test(path); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("rapport-static-") === 0 && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(req));
  } else if (req.method === "GET" && req.mode === "navigate" && matches(PAGE_PATHS, url.pathname)) {
    event.respondWith(networkFirst(req, url));
  } else if (req.method === "POST" && req.mode === "navigate" && matches(LOG_PATHS, url.pathname)) {
    event.respondWith(postOrQueue(req, url));
  }
});

function cacheFirst(req) {
  return caches.match(req).then(function (hit) {
    return hit || fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(STATIC).then(function (c) { c.put(req, copy); });
      }
      return res;
    });
  });
}

// keep stores a page as it came, with the moment it was saved (on the
// phone's clock, as the page that shows its age will read it).
function keep(key, res) {
  if (!res.ok || res.redirected || res.type !== "basic" || (res.headers.get("Content-Type") || "").indexOf("text/html") !== 0) {
    return Promise.resolve();
  }
  return res.clone().blob().then(function (body) {
    var h = new Headers(res.headers);
    h.set("X-Rapport-Saved", String(Date.now()));
    return caches.open(PAGES).then(function (c) {
      return c.put(key, new Response(body, { status: 200, headers: h }));
    });
  });
}

function networkFirst(req, url) {
  return fetch(req).then(function (res) {
    return keep(url.href, res).then(function () { return res; });
  }, function () {
    return saved(url).then(function (hit) { return hit || notSaved(); });
  });
}

// saved finds the last copy of a page (ignoring the query: /call?skip=…
// falls back to /call) and marks its body with when it was saved.
function saved(url) {
  return caches.open(PAGES).then(function (c) {
    return c.match(url.href).then(function (hit) {
      return hit || c.match(url.origin + url.pathname);
    });
  }).then(function (hit) {
    if (!hit) return null;
    var at = hit.headers.get("X-Rapport-Saved") || "";
    return hit.text().then(function (html) {
      html = html.replace("<body", '<body data-offline-saved="' + at.replace(/\D/g, "") + '"');
      return new Response(html, { status: 200, headers: hit.headers });
    });
  });
}

function notSaved() {
  var html = '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Rapport</title></head>' +
    '<body><main><h1>You are offline</h1><p>This page was not saved on this phone. ' +
    '<a href="/today">Today</a> and the call screens of the people on it open without signal once you have opened Today online.</p></main></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// postOrQueue sends a conversation form; when there is no signal it keeps
// the form in the queue and goes to Today, which shows it waiting.
function postOrQueue(req, url) {
  var copy = req.clone();
  return fetch(req).catch(function () {
    return copy.text().then(function (body) {
      return self.RapportOffline.enqueue(url.pathname, body);
    }).then(function () {
      if (self.registration.sync) {
        self.registration.sync.register("rapport-send").catch(function () {});
      }
      return Response.redirect("/today?queued=1", 303);
    });
  });
}

// Background Sync, where there is one: send the queue when the signal is
// back, even with no Rapport page open.
self.addEventListener("sync", function (event) {
  if (event.tag === "rapport-send") {
    event.waitUntil(self.RapportOffline.flush(null));
  }
});

self.addEventListener("message", function (event) {
  var m = event.data || {};
  if (m.type === "precache" && Array.isArray(m.urls)) {
    event.waitUntil(precache(m.urls));
  }
});

// precache saves the pages of the people on Today, one at a time, unless
// a copy less than five minutes old is kept already.
function precache(urls) {
  var fresh = Date.now() - 5 * 60 * 1000;
  return urls.reduce(function (p, u) {
    return p.then(function () {
      var url = new URL(u, self.location.origin);
      if (url.origin !== self.location.origin || !matches(PAGE_PATHS, url.pathname)) return;
      return caches.open(PAGES).then(function (c) { return c.match(url.href); }).then(function (hit) {
        if (hit && Number(hit.headers.get("X-Rapport-Saved")) > fresh) return;
        return fetch(url.href, { credentials: "same-origin", redirect: "error" }).then(function (res) {
          return keep(url.href, res);
        }).catch(function () {});
      });
    });
  }, Promise.resolve()).then(function () {
    return self.clients.matchAll().then(function (cs) {
      cs.forEach(function (c) { c.postMessage({ type: "precached" }); });
    });
  });
}
