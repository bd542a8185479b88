{% load i18n static %}// Plumbline's service worker, at the site root so its scope covers every page. It keeps the
// pages, storey plans and element cards an inspector has opened and the page scripts: network
// first (a new release or a new finding shows at once), the kept copy when there is no network. Captures made offline are not kept
// here: they wait in IndexedDB (inspections/offline.js) until the server confirms them.
"use strict";
var PAGES = "plumbline-pages-v1";
var SCRIPTS = "plumbline-static-v1";
var STATIC_PREFIX = "{% get_static_prefix %}";
var PRECACHE = [
  "{% static 'inspections/plan.js' %}",
  "{% static 'plumbline/offline-queue.js' %}",
  "{% static 'inspections/offline.js' %}",
];
var OFFLINE_PAGE =
  '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>Plumbline</title><body style="font:17px/1.5 system-ui,sans-serif;padding:1rem">' +
  "<p>{{ offline_page|escapejs }}</p><p><a href=\"/\">{{ home|escapejs }}</a></p></body>";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SCRIPTS).then(function (cache) { return cache.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== PAGES && n !== SCRIPTS; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// a weak signal on site: after this long the kept copy is shown (the answer still refreshes it)
var SLOW_MS = 4000;

function networkFirst(request, name) {
  return caches.open(name).then(function (cache) {
    var network = fetch(request).then(function (response) {
      // a login redirect or an error page is never kept in place of the page
      if (response.ok && !response.redirected && response.type === "basic") cache.put(request, response.clone());
      return response;
    });
    return cache.match(request).then(function (kept) {
      if (!kept) {
        return network.catch(function (error) {
          if (request.mode === "navigate") {
            return new Response(OFFLINE_PAGE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
          }
          throw error;
        });
      }
      var slow = new Promise(function (resolve) { setTimeout(function () { resolve(kept); }, SLOW_MS); });
      return Promise.race([network.catch(function () { return kept; }), slow]);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout/") {
    // the next person on this tablet does not see the pages the last one opened
    event.respondWith(caches.delete(PAGES).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(networkFirst(request, SCRIPTS));
  } else if (url.pathname.indexOf("/projects/") === 0) {
    event.respondWith(networkFirst(request, PAGES));
  }
});
