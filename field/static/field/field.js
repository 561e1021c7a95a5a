// The field page: pick a section, 开始巡检, record the phone's position every few seconds, keep the fixes
// on the phone while the network is down and send them when it is back, draw the track on a small map
// (the section's centreline and checkpoints come with the page: no tiles), 结束巡检 and the day's figures;
// 上报隐患 at the current position with photos. The server judges; this script only records and shows.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("field-data").textContent);
  var T = data.text;
  var STALE_MS = 30000; // a position older than this is not recorded again
  var BATCH = 500;
  var KEY = {
    device: "field.device",
    queue: "field.queue",
    track: "field.track",
    sections: "field.sections",
    recorded: "field.recorded",
    sent: "field.sent",
  };
  var $ = function (id) { return document.getElementById(id); };

  // --- storage (localStorage: small, synchronous, survives reloads and a closed browser) ---------------
  function load(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full: the queue stays in memory */ }
  }

  function deviceId() {
    var id = load(KEY.device, null);
    if (!id) {
      var random = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : (Date.now().toString(36) + Math.random().toString(36).slice(2));
      id = "phone-" + random;
      save(KEY.device, id);
    }
    return id;
  }

  var state = {
    device: deviceId(),
    queue: load(KEY.queue, []),
    track: load(KEY.track, null),
    recorded: load(KEY.recorded, 0),
    sent: load(KEY.sent, 0),
    lastT: load("field.lastT", 0),
    latest: null,
    sending: false,
    section: null, // the detail (line, checkpoints) of the section being patrolled
    trackPoints: [],
  };
  var sectionCache = Object.assign(load(KEY.sections, {}), data.details);
  save(KEY.sections, sectionCache);

  // The server knows of a patrol left open on this phone (the page was closed): carry on with it.
  if (!state.track && data.open_track && data.open_track.device_id === state.device) {
    state.track = { id: data.open_track.id, section: data.open_track.section_id, mode: data.open_track.mode };
    save(KEY.track, state.track);
  }

  // --- messages and status ---------------------------------------------------------------------------
  function say(text, isError) {
    var box = $("message");
    box.textContent = text;
    box.className = "message" + (isError ? " error" : "");
    box.hidden = !text;
  }

  function online() { return navigator.onLine !== false; }

  function showStatus() {
    var parts = [online() ? T.online : T.offline];
    if (state.track) parts.push(T.recorded + " " + state.recorded);
    if (data.patrol || state.queue.length) parts.push(T.queued + " " + state.queue.length);
    if (state.track) parts.push(T.sent + " " + state.sent);
    var line = $("status");
    line.textContent = parts.join(" · ");
    line.className = "status " + (online() ? "online" : "offline");
    line.dataset.queued = String(state.queue.length);
    line.dataset.recorded = String(state.recorded);
    line.dataset.online = online() ? "1" : "0";
  }

  // --- requests --------------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, key) {
    var isForm = body instanceof FormData;
    var headers = { "X-CSRFToken": csrfToken() };
    if (!isForm) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: isForm ? body : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return { detail: T.failed }; }).then(function (payload) {
        return { ok: response.ok, status: response.status, body: payload };
      });
    });
  }

  function url(name, id) { return data.urls[name].replace("/0/", "/" + id + "/"); }

  // --- fixes: record, queue, send --------------------------------------------------------------------
  function record() {
    if (!state.track || !state.latest) return;
    var now = Date.now();
    if (now - state.latest.at > STALE_MS) return;
    if (now <= state.lastT) return; // one fix per moment (the server keeps one per device and time anyway)
    state.lastT = now;
    save("field.lastT", now);
    var fix = { t: now, lon: state.latest.lon, lat: state.latest.lat, acc: state.latest.acc };
    state.queue.push(fix);
    state.recorded += 1;
    state.trackPoints.push([fix.lon, fix.lat]);
    save(KEY.queue, state.queue);
    save(KEY.recorded, state.recorded);
    save("field.points", state.trackPoints);
    draw();
  }

  // Sends the oldest waiting fixes; resolves true when the queue is empty afterwards.
  function flush() {
    if (state.sending) return Promise.resolve(false);
    if (!state.queue.length) return Promise.resolve(true);
    state.sending = true;
    var batch = state.queue.slice(0, BATCH);
    var delivered = false;
    return post(data.urls.fixes, { device_id: state.device, fixes: batch }).then(function (answer) {
      delivered = answer.ok;
      if (answer.ok || answer.status === 400) {
        // Sent (a batch sent twice adds nothing on the server) or refused for good: off the queue.
        var gone = {};
        batch.forEach(function (fix) { gone[fix.t] = true; });
        state.queue = state.queue.filter(function (fix) { return !gone[fix.t]; });
        save(KEY.queue, state.queue);
        if (answer.ok) {
          state.sent += batch.length;
          save(KEY.sent, state.sent);
        } else {
          say(T.refused + ": " + answer.body.detail, true);
        }
      } else if (answer.status === 401) {
        say(T.login, true);
      } else {
        say(answer.body.detail || T.failed, true);
      }
    }).catch(function () {
      // Offline or the server unreachable: the fixes stay queued.
    }).then(function () {
      state.sending = false;
      showStatus();
      // Fixes recorded while this batch was on its way go at once (not at the next tick).
      if (delivered && state.queue.length && online()) return flush();
      return state.queue.length === 0;
    });
  }

  function tick() {
    record();
    if (state.queue.length && online()) flush();
    showStatus();
  }

  // --- position --------------------------------------------------------------------------------------
  function onPosition(position) {
    state.latest = {
      lon: position.coords.longitude,
      lat: position.coords.latitude,
      acc: position.coords.accuracy == null ? null : Math.round(position.coords.accuracy * 10) / 10,
      at: Date.now(),
    };
    document.body.dataset.lon = String(state.latest.lon);
    document.body.dataset.lat = String(state.latest.lat);
    if (!$("hazard-form").hidden) showHazardPosition();
    showCheckinPosition();
    draw();
  }

  function onPositionError(error) {
    if (error && error.code === 1) say(T.positionDenied, true);
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, onPositionError,
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  } else {
    say(T.positionDenied, true);
  }

  // --- sections --------------------------------------------------------------------------------------
  function fillSelects() {
    var select = $("section");
    data.sections.forEach(function (section) {
      var option = document.createElement("option");
      option.value = String(section.id);
      var km = (section.from_m / 1000).toFixed(1) + "–" + (section.to_m / 1000).toFixed(1) + " km";
      option.textContent = section.code + " · " + section.pipeline + " " + km +
        (section.task_today ? "（" + T.taskToday + "）" : "");
      option.dataset.mode = section.mode;
      select.appendChild(option);
    });
    data.modes.forEach(function (mode) {
      var option = document.createElement("option");
      option.value = mode[0];
      option.textContent = mode[1];
      $("mode").appendChild(option);
    });
    data.categories.forEach(function (category) {
      var option = document.createElement("option");
      option.value = category[0];
      option.textContent = category[1];
      $("hazard-category").appendChild(option);
    });
    select.addEventListener("change", syncMode);
    syncMode();
  }

  function syncMode() {
    var option = $("section").selectedOptions[0];
    if (option && option.dataset.mode) $("mode").value = option.dataset.mode;
  }

  function sectionDetail(id) {
    if (sectionCache[id]) return Promise.resolve(sectionCache[id]);
    return fetch(url("section", id), { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("section");
      return response.json();
    }).then(function (detail) {
      sectionCache[id] = detail;
      save(KEY.sections, sectionCache);
      return detail;
    });
  }

  // --- start and end ---------------------------------------------------------------------------------
  function start() {
    var id = parseInt($("section").value, 10);
    if (!id) { say(T.pickSection, true); return; }
    if (!online()) { say(T.needNetworkStart, true); return; }
    $("start").disabled = true;
    post(data.urls.start, { section: id, device_id: state.device, mode: $("mode").value }).then(function (answer) {
      if (!answer.ok) { say(answer.body.detail || T.failed, true); return; }
      state.track = { id: answer.body.id, section: id, mode: answer.body.mode };
      state.recorded = 0;
      state.sent = 0;
      state.trackPoints = [];
      save(KEY.track, state.track);
      save(KEY.recorded, 0);
      save(KEY.sent, 0);
      save("field.points", []);
      say("");
      return showPatrol().then(record);
    }).catch(function () { say(T.needNetworkStart, true); })
      .then(function () { $("start").disabled = false; showStatus(); });
  }

  function end() {
    if (!state.track) return;
    record();
    $("end").disabled = true;
    // Everything recorded goes first, then the end: the server judges the whole track.
    flushAll().then(function (empty) {
      if (!empty) { say(T.needNetworkEnd, true); return; }
      return post(url("end", state.track.id), {}).then(function (answer) {
        if (!answer.ok) { say(answer.body.detail || T.failed, true); return; }
        state.track = null;
        save(KEY.track, null);
        showFigures(answer.body);
      });
    }).catch(function () { say(T.needNetworkEnd, true); })
      .then(function () { $("end").disabled = false; showStatus(); });
  }

  function flushAll() {
    if (!online()) return Promise.resolve(false);
    return flush().then(function (empty) {
      if (empty) return true;
      if (!online() || state.sending) return false;
      return flushAll();
    });
  }

  function showPatrol() {
    return sectionDetail(state.track.section).then(function (detail) {
      state.section = detail;
      $("pick").hidden = true;
      $("figures").hidden = true;
      $("patrol").hidden = false;
      $("patrol-title").textContent = T.patrolling + " " + detail.code + " · " + detail.pipeline;
      draw();
    }).catch(function () { say(T.needNetworkStart, true); });
  }

  function percent(value) { return value == null ? "—" : (value * 100).toFixed(1) + "%"; }

  function showFigures(figures) {
    $("patrol").hidden = true;
    $("pick").hidden = false;
    var rows = [
      [T.coverage, percent(figures.coverage)],
      [T.arrival, percent(figures.arrival) + (figures.checkpoints_required
        ? "（" + figures.checkpoints_visited + "/" + figures.checkpoints_required + "）" : "")],
      [T.missed, figures.missed && figures.missed.length ? figures.missed.join("、") : T.none],
      [T.uncovered, figures.uncovered && figures.uncovered.length
        ? figures.uncovered.map(function (r) { return Math.round(r[0]) + "–" + Math.round(r[1]) + " " + T.metres; })
          .join("，") : T.none],
      [T.gaps, figures.gaps == null ? "—" : String(figures.gaps)],
      [T.overspeed, figures.overspeed_legs == null ? "—" : String(figures.overspeed_legs)],
      [T.fixes, figures.fix_count + " " + T.fixesUnit + " · " + Math.round(figures.track_length_m) + " " + T.metres],
    ];
    if (figures.task) rows.push([T.taskStatus, figures.task.status_label]);
    var list = $("figures-list");
    list.textContent = "";
    rows.forEach(function (row) {
      var term = document.createElement("dt");
      term.textContent = row[0];
      var value = document.createElement("dd");
      value.textContent = row[1];
      list.appendChild(term);
      list.appendChild(value);
    });
    $("figures").hidden = false;
    $("figures").dataset.coverage = String(figures.coverage);
  }

  // --- the map (SVG, the section's own geometry; display only) ---------------------------------------
  var SVG = "http://www.w3.org/2000/svg";
  function svg(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  // Metres east and north of a reference point (an equirectangular sketch for drawing and hints only).
  function projector(lon0, lat0) {
    var kx = 111320 * Math.cos(lat0 * Math.PI / 180), ky = 110540;
    return function (lon, lat) { return [(lon - lon0) * kx, (lat - lat0) * ky]; };
  }

  function nextCheckpoint(project) {
    var section = state.section;
    if (!section || !state.latest) return null;
    var here = project(state.latest.lon, state.latest.lat);
    var visited = {};
    var points = state.trackPoints.map(function (p) { return project(p[0], p[1]); });
    var best = null;
    section.checkpoints.forEach(function (checkpoint) {
      var at = project(checkpoint.lon, checkpoint.lat);
      var passed = points.some(function (p) { return Math.hypot(p[0] - at[0], p[1] - at[1]) <= checkpoint.radius_m; });
      visited[checkpoint.code] = passed;
      var distance = Math.hypot(here[0] - at[0], here[1] - at[1]);
      if (!passed && (!best || distance < best.distance)) best = { checkpoint: checkpoint, distance: distance, at: at };
    });
    return { best: best, visited: visited, here: here };
  }

  function draw() {
    var map = $("map");
    var section = state.section;
    if (!section || $("patrol").hidden) return;
    var line = section.line.length ? section.line : section.checkpoints.map(function (c) { return [c.lon, c.lat]; });
    if (!line.length) return;
    var lon0 = line[0][0], lat0 = line[0][1];
    var project = projector(lon0, lat0);
    var all = line.concat(section.checkpoints.map(function (c) { return [c.lon, c.lat]; }));
    if (state.latest) all.push([state.latest.lon, state.latest.lat]);
    var xy = all.map(function (p) { return project(p[0], p[1]); });
    var minX = Math.min.apply(null, xy.map(function (p) { return p[0]; }));
    var maxX = Math.max.apply(null, xy.map(function (p) { return p[0]; }));
    var minY = Math.min.apply(null, xy.map(function (p) { return p[1]; }));
    var maxY = Math.max.apply(null, xy.map(function (p) { return p[1]; }));
    var span = Math.max(maxX - minX, maxY - minY, 100) * 1.1;
    var cx = (minX + maxX) / 2, cy = (minY + maxY) / 2, size = 320, scale = size / span;
    function screen(p) {
      var m = project(p[0], p[1]);
      return [(size / 2 + (m[0] - cx) * scale).toFixed(1), (size / 2 - (m[1] - cy) * scale).toFixed(1)];
    }
    function path(points) { return points.map(function (p) { return screen(p).join(","); }).join(" "); }
    map.textContent = "";
    map.appendChild(svg("polyline", { "class": "centreline", points: path(line) }));
    var hint = nextCheckpoint(project);
    section.checkpoints.forEach(function (checkpoint) {
      var at = screen([checkpoint.lon, checkpoint.lat]);
      var classes = "checkpoint" + (hint && hint.visited[checkpoint.code] ? " visited" : "") +
        (hint && hint.best && hint.best.checkpoint === checkpoint ? " next" : "");
      map.appendChild(svg("circle", { "class": classes, cx: at[0], cy: at[1], r: Math.max(5, checkpoint.radius_m * scale) }));
      var label = svg("text", { "class": "label", x: +at[0] + 8, y: +at[1] - 8 });
      label.textContent = checkpoint.code;
      map.appendChild(label);
    });
    if (state.trackPoints.length > 1) map.appendChild(svg("polyline", { "class": "track", points: path(state.trackPoints) }));
    if (state.latest) {
      var me = screen([state.latest.lon, state.latest.lat]);
      if (hint && hint.best) {
        var to = screen([hint.best.checkpoint.lon, hint.best.checkpoint.lat]);
        map.appendChild(svg("line", { "class": "to-next", x1: me[0], y1: me[1], x2: to[0], y2: to[1] }));
      }
      map.appendChild(svg("circle", { "class": "me", cx: me[0], cy: me[1], r: 7 }));
    }
    map.dataset.trackPoints = String(state.trackPoints.length);
    var next = $("next");
    if (!section.checkpoints.length) {
      next.textContent = "";
    } else if (hint && hint.best) {
      next.textContent = T.nextCheckpoint + "：" + hint.best.checkpoint.code +
        (hint.best.checkpoint.name ? " " + hint.best.checkpoint.name : "") +
        " · " + T.about + " " + Math.round(hint.best.distance) + " " + T.metres;
      next.dataset.code = hint.best.checkpoint.code;
    } else if (hint) {
      next.textContent = T.allVisited;
      next.dataset.code = "";
    }
  }

  // --- 上报隐患 -------------------------------------------------------------------------------------
  function showHazardPosition() {
    var p = state.latest;
    $("hazard-position").textContent = p
      ? T.position + "：" + p.lon.toFixed(6) + ", " + p.lat.toFixed(6) + (p.acc != null ? "（" + T.accuracy + " " + Math.round(p.acc) + " " + T.metres + "）" : "")
      : T.noPosition;
  }

  function hazardError(text) {
    var box = $("hazard-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // Phone photos are large: send them as JPEG at most 1600 px on the long side. A file that does not open
  // as an image goes as it is, and the server says what is wrong with it.
  function shrink(file) {
    if (!window.createImageBitmap || !/^image\//.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var ratio = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      if (ratio === 1 && file.type === "image/jpeg" && file.size < 1500000) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * ratio);
      canvas.height = Math.round(bitmap.height * ratio);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function report(event) {
    event.preventDefault();
    hazardError("");
    if (!state.latest) { hazardError(T.noPosition); return; }
    if (!$("hazard-description").value.trim()) { hazardError(T.describe); return; }
    if (!online()) { hazardError(T.needNetworkReport); return; }
    var button = $("hazard-submit");
    button.disabled = true;
    button.textContent = T.sending;
    var files = Array.prototype.slice.call($("hazard-photos").files || []);
    Promise.all(files.map(shrink)).then(function (photos) {
      var form = new FormData();
      form.append("lon", String(state.latest.lon));
      form.append("lat", String(state.latest.lat));
      form.append("category", $("hazard-category").value);
      form.append("description", $("hazard-description").value);
      if (state.track) form.append("section", String(state.track.section));
      photos.forEach(function (photo) { form.append("photos", photo, photo.name); });
      return post(data.urls.hazard, form, state.reportKey);
    }).then(function (answer) {
      if (!answer.ok) { hazardError(answer.body.detail || T.failed); return; }
      $("hazard-form").reset();
      state.reportKey = null;
      $("hazard-form").hidden = true;
      $("report").hidden = false;
      say(answer.body.message);
      document.body.dataset.hazard = answer.body.code;
    }).catch(function () { hazardError(T.needNetworkReport); })
      .then(function () { button.disabled = false; button.textContent = button.dataset.label; });
  }

  // --- 现场监护签到 ----------------------------------------------------------------------------------
  // The operator's guard (or an inspector) on a work site: the application, the phone's position and a
  // camera photo. The server checks the position against the work area (construction's rule).
  function newKey() {
    return "checkin-" + ((window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2));
  }

  function showCheckinPosition() {
    if (!$("checkin-position")) return;
    var p = state.latest;
    $("checkin-position").textContent = p
      ? T.position + "：" + p.lon.toFixed(6) + ", " + p.lat.toFixed(6) + (p.acc != null ? "（" + T.accuracy + " " + Math.round(p.acc) + " " + T.metres + "）" : "")
      : T.noPosition;
  }

  function checkinError(text) {
    var box = $("checkin-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function checkin(event) {
    event.preventDefault();
    checkinError("");
    $("checkin-done").hidden = true;
    var application = $("checkin-application").value;
    var file = ($("checkin-photo").files || [])[0];
    if (!application) { checkinError(T.pickApplication); return; }
    if (!state.latest) { checkinError(T.noPosition); return; }
    if (!file) { checkinError(T.takePhoto); return; }
    if (!online()) { checkinError(T.needNetworkCheckin); return; }
    var button = $("checkin-submit");
    button.disabled = true;
    button.textContent = T.sending;
    var at = state.latest;
    shrink(file).then(function (photo) {
      var form = new FormData();
      form.append("application", application);
      form.append("lon", String(at.lon));
      form.append("lat", String(at.lat));
      if (at.acc != null) form.append("accuracy", String(at.acc));
      form.append("note", $("checkin-note").value);
      form.append("photo", photo, photo.name);
      return post(data.urls.checkin, form, state.checkinKey);
    }).then(function (answer) {
      if (answer.status === 401) { checkinError(T.login); return; }
      if (!answer.ok) { checkinError(answer.body.detail || T.failed); return; }
      $("checkin-photo").value = "";
      $("checkin-note").value = "";
      state.checkinKey = newKey();
      var done = $("checkin-done");
      done.textContent = answer.body.message;
      done.hidden = false;
      document.body.dataset.checkin = String(answer.body.id);
    }).catch(function () { checkinError(T.needNetworkCheckin); })
      .then(function () { button.disabled = false; button.textContent = button.dataset.label; });
  }

  if ($("checkin-form")) {
    data.applications.forEach(function (application) {
      var option = document.createElement("option");
      option.value = String(application.id);
      option.textContent = application.number + " · " + application.project + "（" + application.status_label + "）";
      $("checkin-application").appendChild(option);
    });
    var wanted = new URLSearchParams(location.search).get("application"); // from construction's check-in form
    if (wanted && data.applications.some(function (a) { return String(a.id) === wanted; })) {
      $("checkin-application").value = wanted;
      $("checkin-form").scrollIntoView();
    }
    state.checkinKey = newKey(); // one key per check-in: a retry after a lost answer is not recorded twice
    $("checkin-submit").dataset.label = $("checkin-submit").textContent;
    $("checkin-form").addEventListener("submit", checkin);
    // A change of application or photo is another check-in: another key.
    $("checkin-application").addEventListener("change", function () { state.checkinKey = newKey(); });
    $("checkin-photo").addEventListener("change", function () { state.checkinKey = newKey(); });
    showCheckinPosition();
  }

  // --- wiring ----------------------------------------------------------------------------------------
  fillSelects();
  $("hazard-submit").dataset.label = $("hazard-submit").textContent;
  $("start").addEventListener("click", start);
  $("end").addEventListener("click", end);
  $("figures-close").addEventListener("click", function () { $("figures").hidden = true; });
  $("report").addEventListener("click", function () {
    // One key per report: sent again after a lost answer, the server answers it again instead of a second hazard.
    state.reportKey = "field-" + ((window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2));
    $("hazard-form").hidden = false;
    $("report").hidden = true;
    hazardError("");
    showHazardPosition();
    $("hazard-form").scrollIntoView();
  });
  $("hazard-cancel").addEventListener("click", function () {
    $("hazard-form").hidden = true;
    $("report").hidden = false;
  });
  $("hazard-form").addEventListener("submit", report);
  $("logout-form").addEventListener("submit", function (event) {
    if (state.queue.length && !window.confirm(T.confirmLogout)) { event.preventDefault(); return; }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("logout");
    save(KEY.sections, {});
  });
  window.addEventListener("online", function () { say(""); showStatus(); flush(); });
  window.addEventListener("offline", function () { showStatus(); say(T.offlineSaved); });
  setInterval(tick, data.fix_interval_s * 1000);

  if (state.track) {
    state.trackPoints = load("field.points", []);
    showPatrol();
  }
  showStatus();
  if (state.queue.length && online()) flush();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(data.urls.sw).catch(function () {});
  document.body.dataset.ready = "1";
  window.fieldPage = state; // for the browser tests: what is recorded, queued and sent
})();
