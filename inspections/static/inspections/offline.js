// Capture that never loses input. Every finding (with its photos) and every checklist answer,
// photo and completion is first written to IndexedDB, then sent to the API with the client UUIDs
// it was given on the tablet; it leaves the tablet only when the server has confirmed it. With no
// network, or signed out, it waits; it is sent again when the network is back or after signing in
// (the server's client-UUID idempotency makes a resend harmless). A refused item keeps its reason.
// The page strings come translated from the template (#offline-queue data-*). The queue itself
// (store, sending, photo checks) is the kernel's plumbline/offline-queue.js.
(function () {
  "use strict";
  var panel = document.getElementById("offline-queue");
  if (!panel || !window.indexedDB || !window.PlumblineOfflineQueue) return;
  var Q = window.PlumblineOfflineQueue, queue = Q.open(panel, "plumbline", "captures");
  var text = queue.text, user = text.user, t = queue.t, uuid = queue.uuid, put = queue.put, remove = queue.remove;
  var call = queue.call, sendPhoto = queue.sendPhoto, photoProblem = queue.photoProblem;
  var fieldError = queue.fieldError, clearErrors = queue.clearErrors;
  var Refused = Q.Refused, SignedOut = Q.SignedOut, Waiting = Q.Waiting;
  var signedOut = false;
  var flushing = null;

  function all() {
    return queue.all().then(function (rows) {
      return rows.sort(function (a, b) { return a.queued - b.queued; });
    });
  }

  function enqueue(row) {
    row.id = row.id || uuid();
    row.user = user;
    row.queued = row.queued || Date.now();
    row.state = "waiting";
    row.reason = "";
    return put(row).then(function () { render(); return row; });
  }

  var senders = {
    finding: function (row) {
      var start = row.findingId ? Promise.resolve({ id: row.findingId }) : call("POST", "/projects/" + row.project + "/findings", row.body);
      return start.then(function (finding) {
        row.findingId = finding.id;
        row.storey = finding.storey_global_id || row.storey;
        return put(row).then(function () {
          return queue.sendPhotos(row, "/projects/" + row.project + "/findings/" + finding.id + "/photos");
        });
      });
    },
    answer: function (row) {
      return call("PUT", "/projects/" + row.project + "/checklists/" + row.checklist + "/items/" + row.item, row.body);
    },
    checklist_photo: function (row) {
      return sendPhoto("/projects/" + row.project + "/checklists/" + row.checklist + "/items/" + row.item + "/photos", row.photos[0]);
    },
    complete: function (row) {
      return call("POST", "/projects/" + row.project + "/checklists/" + row.checklist + "/complete");
    },
  };

  function send(row) {
    row.state = "sending";
    return senders[row.kind](row).then(function () {
      row.state = "sent";
      row.sentAt = Date.now();
      row.photos = (row.photos || []).map(function (p) { return { uuid: p.uuid, name: p.name, sent: true }; });
      return put(row).then(function () { return row; });
    }, function (error) {
      if (error instanceof Refused) {
        row.state = "refused";
        row.reason = error.reason;
        row.field = error.field || "";
        return put(row).then(function () { return row; });
      }
      row.state = "waiting";
      if (error instanceof SignedOut) signedOut = true;
      else if (!(error instanceof Waiting)) throw error;
      return put(row).then(function () { throw error; });
    });
  }

  // Send what waits, oldest first; stop at the first that cannot go (no network, signed out) so
  // the order holds (a checklist's answers before its completion).
  var again = false;
  var afterFlush = [];  // pages that show per-item states refresh them after each pass
  function flush() {
    if (flushing) {
      // something was queued while a pass runs: one more pass after it picks it up
      again = true;
      return flushing;
    }
    flushing = all().then(function (rows) {
      var mine = rows.filter(function (r) { return r.user === user && r.state !== "sent" && r.state !== "refused"; });
      return mine.reduce(function (chain, row) {
        return chain.then(function () { return send(row); });
      }, Promise.resolve()).then(function () { signedOut = false; });
    }).catch(function () { /* kept for the next try */ }).then(function () {
      flushing = null;
      return prune().then(render).then(function () {
        return Promise.all(afterFlush.map(function (listener) { return listener(); }));
      });
    }).then(function () {
      if (again) {
        again = false;
        return flush();
      }
    });
    return flushing;
  }

  var KEEP_SENT_MS = 24 * 3600 * 1000;  // sent rows are listed for a day, without their photos
  function prune() {
    return all().then(function (rows) {
      return Promise.all(rows.filter(function (r) { return r.state === "sent" && Date.now() - r.sentAt > KEEP_SENT_MS; })
        .map(function (r) { return remove(r.id); }));
    });
  }

  // --- what the inspector sees ---
  function signInLink() {
    var a = document.createElement("a");
    a.href = "/login/?next=" + encodeURIComponent(location.pathname + location.search);
    a.textContent = t("signIn");
    return a;
  }
  function signedOutNotice(count) {
    var p = document.createElement("p");
    p.className = "error signed-out";
    p.setAttribute("role", "alert");
    p.appendChild(document.createTextNode(t("signedOut", { count: count }) + " "));
    p.appendChild(signInLink());
    return p;
  }
  function showSignedOut(into) {
    return all().then(function (rows) {
      var count = rows.filter(function (r) { return r.user === user && r.state !== "sent"; }).length;
      into.innerHTML = "";
      into.appendChild(signedOutNotice(count));
    });
  }

  function render() {
    return all().then(function (rows) {
      var mine = rows.filter(function (r) { return r.user === user || r.state !== "sent"; });
      var waiting = mine.filter(function (r) { return r.state === "waiting" || r.state === "sending"; }).length;
      var summary = panel.querySelector(".summary");
      summary.textContent = waiting ? t("waitingText", { count: waiting }) : (mine.length ? t("allSent") : "");
      panel.dataset.waiting = String(waiting);
      panel.hidden = !mine.length && !signedOut;
      var notice = panel.querySelector(".signed-out");
      if (notice) notice.remove();
      if (signedOut && waiting) panel.insertBefore(signedOutNotice(waiting), panel.querySelector("ul"));
      var list = panel.querySelector("ul");
      list.innerHTML = "";
      mine.slice().reverse().forEach(function (row) {
        var li = document.createElement("li");
        li.dataset.capture = row.id;
        li.dataset.state = row.state;
        var state = document.createElement("strong");
        state.textContent = row.user !== user ? t("otherUser", { user: row.user }) : t("state_" + row.state);
        li.appendChild(state);
        li.appendChild(document.createTextNode(" · " + row.label));
        if (row.kind === "finding" && row.findingId && row.state === "sent") {
          var a = document.createElement("a");
          a.href = "/projects/" + row.project + "/findings/" + row.findingId + "/";
          a.textContent = " #" + row.findingId;
          li.appendChild(a);
        }
        if (row.state === "refused") {
          var why = document.createElement("span");
          why.className = "error";
          why.textContent = " · " + row.reason + " ";
          li.appendChild(why);
          li.appendChild(queue.discardButton(row, render));
        }
        list.appendChild(li);
      });
    });
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // --- a finding's capture form (in the element or point card) ---
  var API_FIELDS = { file: "photos", point: "x" };
  function captureFinding(form) {
    clearErrors(form);
    var data = new FormData(form);
    var input = form.querySelector("[name=photos]");
    var files = Array.prototype.slice.call(input.files || []);
    var problems = files.map(photoProblem).filter(Boolean);
    if (problems.length) return fieldError(form, "photos", problems.join(" "));
    if (data.get("due_date") && data.get("due_date") < today()) return fieldError(form, "due_date", t("duePast"));
    var number = function (v) { return v === null || v === "" ? null : Number(v); };
    var body = {
      client_uuid: data.get("client_uuid"),
      version_id: number(data.get("version_id")),
      global_ids: data.getAll("global_ids").filter(Boolean),
      storey_global_id: data.get("storey_global_id") || "",
      x: number(data.get("x")),
      y: number(data.get("y")),
      category: data.get("category"),
      severity: data.get("severity"),
      title: data.get("title"),
      description: data.get("description") || "",
      responsible_party: data.get("responsible_party") || "contractor",
      due_date: data.get("due_date") || null,
      observed_at: new Date().toISOString(),  // when it was seen, whenever it reaches the server
    };
    // the same client UUID for the finding and each photo on every resend: nothing is doubled
    var photos = queue.photosOf(form, files);  // the same file keeps its UUID on a resend
    // a photo drawn on (markup.js) goes too, after its original, naming it: both are kept
    var markups = window.PlumblineMarkup ? window.PlumblineMarkup.of(input) : {};
    files.forEach(function (file) {
      var key = queue.fileKey(file);
      if (!markups[key]) return;
      var marked = queue.photoUuid(form, key + "|marked");
      photos.push({ uuid: marked, name: markups[key].name, blob: markups[key], marksUp: queue.photoUuid(form, key) });
    });
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var row = {
      id: "finding-" + body.client_uuid,
      kind: "finding",
      project: text.project,
      label: body.title,
      body: body,
      photos: photos,
      back: data.get("back"),
    };
    return all().then(function (rows) {
      var earlier = rows.filter(function (r) { return r.id === row.id; })[0];
      if (earlier && earlier.findingId) row.findingId = earlier.findingId;  // made already; only photos left
      return enqueue(row);
    }).then(function () { return flushing || Promise.resolve(); }).then(function () {
      return send(row).catch(function (error) { return error; });
    }).then(function (result) {
      button.disabled = false;
      // sent, or kept in the queue: the page's draft of this form (plan.js) has done its work
      if (!(result && result.state === "refused")) form.dispatchEvent(new CustomEvent("plumbline:captured", { bubbles: true }));
      if (result && result.state === "sent") {
        var back = row.back || location.pathname;
        location.assign(back.replace(/([?&]storey=)[^&]*/, "$1" + encodeURIComponent(row.storey || "")));
        return;
      }
      if (result && result.state === "refused") {
        // the form is still here, with every field and photo: say what to change beside it
        remove(row.id).then(render);
        return fieldError(form, API_FIELDS[result.field] || result.field, result.reason);
      }
      render();
      var card = form.parentElement;
      if (result instanceof SignedOut) {
        showSignedOut(card);
      } else {
        card.innerHTML = "";
        card.appendChild(queue.savedOffline(t("savedOffline")));
      }
    });
  }

  // a file that is no photo (or too large) is said at once, as it is chosen, not only on sending
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.form || input.form.id !== "new-finding" || input.name !== "photos") return;
    input.form.querySelectorAll('.field-error[data-field="photos"]').forEach(function (p) { p.remove(); });
    input.removeAttribute("aria-invalid");
    var problems = Array.prototype.slice.call(input.files || []).map(photoProblem).filter(Boolean);
    if (problems.length) fieldError(input.form, "photos", problems.join(" "));
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "new-finding") {
      event.preventDefault();
      captureFinding(form);
    }
  });

  // --- a checklist: each answer saved as it is tapped, photos queued, completion checked first ---
  function setupChecklist(sheet) {
    var checklist = sheet.dataset.checklist;
    var queuedPhotos = {};
    function items() { return Array.prototype.slice.call(document.querySelectorAll("section.item[data-item-id]")); }
    function stillNeeded() {
      var unanswered = [], photos = [];
      items().forEach(function (item) {
        var result = item.dataset.result;
        if (!result) unanswered.push(item.dataset.item);
        var count = parseInt(item.dataset.photos || "0", 10) + (queuedPhotos[item.dataset.itemId] || 0);
        if (item.dataset.photoRequired === "1" && result !== "na" && !count) photos.push(item.dataset.item);
      });
      var box = document.getElementById("still-needed");
      if (box) {
        box.innerHTML = "";
        if (unanswered.length) {
          var u = document.createElement("p");
          u.className = "unanswered";
          u.textContent = t("unanswered", { items: unanswered.join(", ") });
          box.appendChild(u);
        }
        if (photos.length) {
          var ph = document.createElement("p");
          ph.className = "needs-photo";
          ph.textContent = t("needsPhoto", { items: photos.join(", ") });
          box.appendChild(ph);
        }
      }
      items().forEach(function (item) { item.classList.toggle("needs-photo", photos.indexOf(item.dataset.item) >= 0); });
      return unanswered.length + photos.length;
    }
    function itemState(item, name) {
      var state = item.querySelector(".item-state");
      state.dataset.state = name;
      state.textContent = t("item_" + name);
    }
    function saveAnswer(item) {
      var form = item.querySelector("form");
      clearErrors(form);
      var checked = form.querySelector("input[name=result]:checked");
      if (!checked) return;
      var note = form.querySelector("[name=note]").value.trim();
      if (checked.value === "fail" && !note) {
        fieldError(form, "note", t("noteRequired"));
        return;
      }
      item.dataset.result = checked.value;
      stillNeeded();
      var row = {
        id: "answer-" + checklist + "-" + item.dataset.itemId,  // a later tap replaces a waiting one
        kind: "answer",
        project: text.project,
        checklist: checklist,
        item: item.dataset.itemId,
        label: t("answerLabel", { items: item.dataset.item }),
        body: { result: checked.value, note: note, severity: form.querySelector("[name=severity]").value },
      };
      itemState(item, "waiting");
      enqueue(row).then(flush).then(function () { return refreshStates(); });
    }
    function savePhotos(item, input) {
      var form = item.querySelector("form");
      clearErrors(form);
      var files = Array.prototype.slice.call(input.files || []);
      var problems = files.map(photoProblem).filter(Boolean);
      if (problems.length) return fieldError(form, "photos", problems.join(" "));
      var id = item.dataset.itemId;
      Promise.all(files.map(function (file) {
        var photo = { uuid: uuid(), name: file.name, blob: file };
        queuedPhotos[id] = (queuedPhotos[id] || 0) + 1;
        return enqueue({
          id: "photo-" + photo.uuid,
          kind: "checklist_photo",
          project: text.project,
          checklist: checklist,
          item: id,
          label: t("photoLabel", { items: item.dataset.item }),
          photos: [photo],
        });
      })).then(function () {
        input.value = "";
        stillNeeded();
        itemState(item, "waiting");
        return flush();
      }).then(refreshStates);
    }
    function refreshStates() {
      return all().then(function (rows) {
        items().forEach(function (item) {
          var mine = rows.filter(function (r) { return r.checklist === checklist && r.item === item.dataset.itemId && r.user === user; });
          if (!mine.length) return;
          var refused = mine.filter(function (r) { return r.state === "refused"; })[0];
          if (refused) {
            itemState(item, "refused");
            item.querySelector(".item-state").textContent += ": " + refused.reason;
          } else if (mine.some(function (r) { return r.state !== "sent"; })) itemState(item, "waiting");
          else itemState(item, "saved");
        });
      });
    }
    items().forEach(function (item) {
      var form = item.querySelector("form");
      if (!form) return;
      var save = form.querySelector("button[type=submit]");
      if (save) save.style.display = "none";  // saved as tapped
      form.addEventListener("submit", function (event) { event.preventDefault(); saveAnswer(item); });
      form.querySelectorAll("input[name=result]").forEach(function (radio) {
        radio.addEventListener("change", function () { saveAnswer(item); });
      });
      form.querySelector("[name=note]").addEventListener("change", function () { saveAnswer(item); });
      form.querySelector("[name=severity]").addEventListener("change", function () { saveAnswer(item); });
      var input = form.querySelector("input[type=file]");
      input.addEventListener("change", function () { savePhotos(item, input); });
    });
    all().then(function (rows) {
      rows.forEach(function (r) {
        if (r.kind === "checklist_photo" && r.checklist === checklist && r.state !== "sent" && r.state !== "refused") {
          queuedPhotos[r.item] = (queuedPhotos[r.item] || 0) + 1;
        }
      });
      stillNeeded();
      refreshStates();
    });
    afterFlush.push(refreshStates);
    var complete = document.getElementById("complete");
    if (complete) {
      complete.addEventListener("submit", function (event) {
        event.preventDefault();
        if (stillNeeded()) {
          document.getElementById("still-needed").scrollIntoView({ block: "center" });
          return;
        }
        enqueue({
          id: "complete-" + checklist,
          kind: "complete",
          project: text.project,
          checklist: checklist,
          label: t("completeLabel"),
        }).then(flush).then(function () {
          return all().then(function (rows) {
            var row = rows.filter(function (r) { return r.id === "complete-" + checklist; })[0];
            if (row && row.state === "sent") location.reload();
            else if (row && row.state === "refused") fieldError(complete, "", row.reason);
          });
        });
      });
    }
  }

  var sheet = document.getElementById("checklist-status");
  if (sheet && sheet.dataset.checklist && document.querySelector("section.item form")) setupChecklist(sheet);

  window.PlumblineQueue = { flush: flush, showSignedOut: showSignedOut, all: all, photoProblem: photoProblem };
  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  // while something waits: try again soon (1 s, doubling to 30 s), sooner again when the
  // network comes back; the "online" event may come before requests can get through
  var retryIn = 1000, retry = null;
  afterFlush.push(function () {
    clearTimeout(retry);
    if (panel.dataset.waiting === "0" || signedOut) { retryIn = 1000; return; }
    retry = setTimeout(flush, retryIn);
    retryIn = Math.min(retryIn * 2, 30000);
  });
  window.addEventListener("online", function () { retryIn = 1000; });
  if ("serviceWorker" in navigator) {
    var first = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // the page that installed the worker loaded before it: keep it too, for the next offline visit
      if (first && window.caches) return caches.open("plumbline-pages-v1").then(function (c) { return c.add(location.href); });
    }).then(function () { panel.dataset.offlineReady = "1"; }).catch(function () {});
  }
  render().then(flush);
})();
