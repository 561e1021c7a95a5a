// The field page's service worker: the page and its assets open offline once loaded.
// Fixes are not kept here: the page queues them itself and sends them when the network is back.
"use strict";
const CACHE = "field-v1";
const PAGE = "{% url 'field:page' %}";
const SECTIONS = "{% url 'field:page' %}api/sections/";
const ASSETS = {{ assets|safe }};

function keepPage(cache) {
  // The page as the logged-in user last got it (a redirect to the log-in page is not kept).
  return fetch(PAGE, { credentials: "same-origin" }).then((response) => {
    if (response.ok && !response.redirected) return cache.put(PAGE, response);
  }).catch(() => {});
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all([cache.addAll(ASSETS), keepPage(cache)]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function networkFirst(request, key) {
  return fetch(request).then((response) => {
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(key, copy));
    }
    return response;
  }).catch(() => caches.match(key).then((cached) => cached || Response.error()));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (url.pathname.startsWith(SECTIONS)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || networkFirst(request, url.pathname)));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "logout") event.waitUntil(caches.delete(CACHE));
});
