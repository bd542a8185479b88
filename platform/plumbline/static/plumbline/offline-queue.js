// The offline queue the capture pages stand on (findings and checklists on the tablet, claims on
// the phone): rows kept in IndexedDB until the server confirms them, sent to the API with the
// client UUIDs made on the device (the server's idempotency makes a resend harmless), and each
// answer sorted into confirmed, Refused (a reason and a field to show), Waiting (no network, a
// server error: try again later) or SignedOut. Each page keeps only what it sends and shows:
//   var queue = PlumblineOfflineQueue.open(panel, "plumbline", "captures");
// The page strings come translated from the panel's data-* attributes.
(function () {
  "use strict";

  function Refused(reason, field) { this.reason = reason; this.field = field; }
  function SignedOut() {}
  function Waiting() {}

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/heic", "image/heif"];

  function open(panel, database, storeName) {
    var text = panel.dataset;
    var api = text.api;  // "/api/v1"

    function t(name, values) {
      var s = text[name] || name;
      Object.keys(values || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(values[k]); });
      return s;
    }

    // --- the store: one IndexedDB object store, rows keyed by id ---
    var opened = new Promise(function (resolve, reject) {
      var request = indexedDB.open(database, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(storeName, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    function store(mode, work) {
      return opened.then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(storeName, mode);
          var result = work(tx.objectStore(storeName));
          tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    function all() { return store("readonly", function (s) { return s.getAll(); }); }
    function put(row) { return store("readwrite", function (s) { s.put(row); }); }
    function remove(id) { return store("readwrite", function (s) { s.delete(id); }); }

    // --- sending ---
    function csrf() {
      var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);  // read at send time: signing in renews it
      return m ? decodeURIComponent(m[1]) : text.csrf;
    }
    function call(method, path, body) {
      var headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
      if (!(body instanceof FormData)) {
        headers["Content-Type"] = "application/json";
        body = body === undefined ? undefined : JSON.stringify(body);
      }
      return fetch(api + path, { method: method, headers: headers, body: body, credentials: "same-origin" }).then(
        function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (response.ok) return data;
            var detail = data.detail || String(response.status);
            if (response.status === 401 || (response.status === 403 && /csrf/i.test(detail))) throw new SignedOut();
            if (response.status >= 500) throw new Waiting();
            throw new Refused(detail, data.field);
          });
        },
        function () { throw new Waiting(); }  // no network
      );
    }
    function sendPhoto(path, photo) {
      var form = new FormData();
      form.append("client_uuid", photo.uuid);
      form.append("file", photo.blob, photo.name);
      if (photo.marksUp) form.append("marks_up", photo.marksUp);
      return call("POST", path, form);
    }
    // the row's photos not sent yet, one after the other; each sent one leaves the device (its
    // bytes are dropped from the row) so a resend after a break sends only the rest
    function sendPhotos(row, path) {
      return row.photos.reduce(function (chain, photo, index) {
        return chain.then(function () {
          if (photo.sent) return null;
          return sendPhoto(path, photo).then(function () {
            row.photos[index] = { uuid: photo.uuid, name: photo.name, sent: true };
            return put(row);
          }, function (error) {
            if (error instanceof Refused) error.field = "photos";
            throw error;
          });
        });
      }, Promise.resolve());
    }

    // --- photos: checked before anything is uploaded, the same UUID for the same file ---
    function photoProblem(file) {
      var heic = /\.(heic|heif)$/i.test(file.name);
      if (PHOTO_TYPES.indexOf(file.type) < 0 && !heic) return t("notPhoto", { name: file.name });
      var limit = parseInt(text.photoMaxBytes, 10);
      if (limit && file.size > limit) {
        var mb = function (n) { return (n / 1048576).toFixed(1); };
        return t("tooLarge", { name: file.name, size: mb(file.size), limit: mb(limit) });
      }
      return "";
    }
    function fileKey(file) { return [file.name, file.size, file.lastModified].join("|"); }
    // the UUID the form gave this key before (a resend of the same file), else a new one
    function photoUuid(form, key) {
      var known = JSON.parse(form.dataset.photoUuids || "{}");
      known[key] = known[key] || uuid();
      form.dataset.photoUuids = JSON.stringify(known);
      return known[key];
    }
    function photosOf(form, files) {
      return files.map(function (file) { return { uuid: photoUuid(form, fileKey(file)), name: file.name, blob: file }; });
    }

    // --- what the person sees ---
    function clearErrors(form) {
      form.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
      form.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    }
    // the reason beside its field (after the field's fieldset when `besideFieldset`), else on top
    function fieldError(form, field, message, besideFieldset) {
      var input = form.querySelector('[name="' + field + '"]');
      var p = document.createElement("p");
      p.className = "error field-error";
      p.setAttribute("role", "alert");
      p.dataset.field = field || "";
      p.textContent = message;
      if (input && input.type !== "hidden") {
        input.setAttribute("aria-invalid", "true");
        ((besideFieldset && input.closest("fieldset")) || input).insertAdjacentElement("afterend", p);
        input.focus();
      } else {
        form.insertBefore(p, form.firstChild);
      }
    }
    function discardButton(row, then) {
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary";
      discard.textContent = t("discard");
      discard.addEventListener("click", function () { remove(row.id).then(then); });
      return discard;
    }
    function savedOffline(message) {
      var saved = document.createElement("p");
      saved.setAttribute("role", "status");
      saved.className = "saved-offline";
      saved.textContent = message;
      return saved;
    }

    return {
      text: text, t: t, uuid: uuid, all: all, put: put, remove: remove,
      call: call, sendPhoto: sendPhoto, sendPhotos: sendPhotos,
      photoProblem: photoProblem, fileKey: fileKey, photoUuid: photoUuid, photosOf: photosOf,
      clearErrors: clearErrors, fieldError: fieldError, discardButton: discardButton, savedOffline: savedOffline,
    };
  }

  window.PlumblineOfflineQueue = { open: open, Refused: Refused, SignedOut: SignedOut, Waiting: Waiting };
})();
