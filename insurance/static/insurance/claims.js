// A home owner's claim never loses what was typed: it is written to IndexedDB first, then sent to
// the API with the client UUIDs made on the phone (the claim's and each photo's), and leaves the
// phone only when the server has confirmed it. With no network, or signed out, it waits and is
// sent again when the network is back (the server's client-UUID idempotency makes a resend
// harmless). A refused claim comes back to the form with the reason beside the field.
(function () {
  "use strict";
  var panel = document.getElementById("claim-queue");
  if (!panel || !window.indexedDB) return;
  var text = panel.dataset, user = text.user, api = text.api;

  function t(name, values) {
    var s = text[name] || name;
    Object.keys(values || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(values[k]); });
    return s;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  var opened = new Promise(function (resolve, reject) {
    var request = indexedDB.open("plumbline-claims", 1);
    request.onupgradeneeded = function () { request.result.createObjectStore("claims", { keyPath: "id" }); };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
  function store(mode, work) {
    return opened.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("claims", mode);
        var result = work(tx.objectStore("claims"));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function put(row) { return store("readwrite", function (s) { s.put(row); }); }
  function remove(id) { return store("readwrite", function (s) { s.delete(id); }); }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : text.csrf;
  }
  function Refused(reason, field) { this.reason = reason; this.field = field; }
  function SignedOut() {}
  function Waiting() {}
  function call(path, body) {
    var headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
    if (!(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    return fetch(api + path, { method: "POST", headers: headers, body: body, credentials: "same-origin" }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        var detail = data.detail || String(response.status);
        if (response.status === 401 || (response.status === 403 && /csrf/i.test(detail))) throw new SignedOut();
        if (response.status >= 500) throw new Waiting();
        throw new Refused(detail, data.field);
      });
    }, function () { throw new Waiting(); });
  }

  function send(row) {
    var start = row.claimId ? Promise.resolve({ id: row.claimId }) : call("/projects/" + row.project + "/claims", row.body);
    return start.then(function (claim) {
      row.claimId = claim.id;
      return put(row).then(function () {
        return row.photos.reduce(function (chain, photo, index) {
          return chain.then(function () {
            if (photo.sent) return null;
            var form = new FormData();
            form.append("client_uuid", photo.uuid);
            form.append("file", photo.blob, photo.name);
            return call("/projects/" + row.project + "/claims/" + claim.id + "/photos", form).then(function () {
              row.photos[index] = { uuid: photo.uuid, name: photo.name, sent: true };
              return put(row);
            }, function (error) { if (error instanceof Refused) error.field = "photos"; throw error; });
          });
        }, Promise.resolve());
      });
    }).then(function () { return remove(row.id).then(function () { return "sent"; }); });
  }

  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = all().then(function (rows) {
      return rows.filter(function (r) { return r.user === user && !r.reason; }).reduce(function (chain, row) {
        return chain.then(function () {
          return send(row).catch(function (error) {
            if (error instanceof Refused) { row.reason = error.reason; return put(row); }
            throw error;
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = null; return render(); });
    return flushing;
  }

  function render() {
    return all().then(function (rows) {
      var mine = rows.filter(function (r) { return r.user === user; });
      var waiting = mine.filter(function (r) { return !r.reason; }).length;
      panel.dataset.waiting = String(waiting);
      panel.hidden = !mine.length;
      panel.querySelector(".summary").textContent = waiting ? t("waitingText", { count: waiting }) : "";
      var list = panel.querySelector("ul");
      list.innerHTML = "";
      mine.forEach(function (row) {
        var li = document.createElement("li");
        li.dataset.state = row.reason ? "refused" : "waiting";
        li.textContent = row.label + (row.reason ? " · " + row.reason + " " : "");
        if (row.reason) {
          var discard = document.createElement("button");
          discard.type = "button";
          discard.className = "secondary";
          discard.textContent = t("discard");
          discard.addEventListener("click", function () { remove(row.id).then(render); });
          li.appendChild(discard);
        }
        list.appendChild(li);
      });
    });
  }

  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/heic", "image/heif"];
  function photoProblem(file) {
    if (PHOTO_TYPES.indexOf(file.type) < 0 && !/\.(heic|heif)$/i.test(file.name)) return t("notPhoto", { name: file.name });
    var limit = parseInt(text.photoMaxBytes, 10);
    if (limit && file.size > limit) {
      var mb = function (n) { return (n / 1048576).toFixed(1); };
      return t("tooLarge", { name: file.name, size: mb(file.size), limit: mb(limit) });
    }
    return "";
  }
  function fieldError(form, field, message) {
    form.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
    var input = form.querySelector('[name="' + field + '"]');
    var p = document.createElement("p");
    p.className = "error field-error";
    p.setAttribute("role", "alert");
    p.dataset.field = field || "";
    p.textContent = message;
    var anchor = input && input.type !== "hidden" ? (input.closest("fieldset") || input) : null;
    if (anchor) anchor.insertAdjacentElement("afterend", p);
    else form.insertBefore(p, form.firstChild);
  }

  function capture(form) {
    var data = new FormData(form);
    var files = Array.prototype.slice.call(form.querySelector("[name=photos]").files || []);
    var problems = files.map(photoProblem).filter(Boolean);
    if (problems.length) return fieldError(form, "photos", problems.join(" "));
    var picked = data.get("global_ids");
    if (!data.get("category") && !picked) return fieldError(form, "category", t("pickCategory"));
    form.dataset.clientUuid = form.dataset.clientUuid || uuid();  // the same claim on every resend
    var known = JSON.parse(form.dataset.photoUuids || "{}");
    var photos = files.map(function (file) {
      var key = [file.name, file.size, file.lastModified].join("|");
      known[key] = known[key] || uuid();
      return { uuid: known[key], name: file.name, blob: file };
    });
    form.dataset.photoUuids = JSON.stringify(known);
    var version = data.get("version_id");
    var row = {
      id: "claim-" + form.dataset.clientUuid,
      user: user,
      project: form.dataset.project,
      label: data.get("description"),
      body: {
        client_uuid: form.dataset.clientUuid,
        unit_id: Number(data.get("unit_id")),
        category: data.get("category") || "",
        description: data.get("description"),
        found_on: data.get("found_on"),
        version_id: picked && version ? Number(version) : null,
        global_ids: picked ? [picked] : [],
        is_emergency: data.get("is_emergency") === "on",
      },
      photos: photos,
    };
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    return put(row).then(function () { return (flushing || Promise.resolve()); }).then(function () {
      return send(row);
    }).then(function () {
      location.assign(form.dataset.back);
    }, function (error) {
      button.disabled = false;
      if (error instanceof Refused) {
        remove(row.id).then(render);  // the form is still here with everything typed
        return fieldError(form, error.field === "client_uuid" ? "" : error.field, error.reason);
      }
      render();
      var card = form.parentElement;
      var saved = document.createElement("p");
      saved.setAttribute("role", "status");
      saved.className = "saved-offline";
      saved.textContent = t(error instanceof SignedOut ? "signedOut" : "savedOffline");
      card.innerHTML = "";
      card.appendChild(saved);
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target.id === "new-claim") {
      event.preventDefault();
      capture(event.target);
    }
  });
  // a tap on an element of the unit's plan opens the form with that element picked
  document.addEventListener("click", function (event) {
    var element = event.target.closest && event.target.closest(".plan[data-claim-href] .element[data-global-id]");
    if (!element) return;
    var plan = element.closest(".plan");
    location.assign(plan.dataset.claimHref + "&element=" + encodeURIComponent(element.dataset.globalId));
  });
  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  setInterval(function () { if (panel.dataset.waiting !== "0") flush(); }, 15000);
  window.PlumblineClaims = { flush: flush, all: all };
  render().then(flush);
})();
