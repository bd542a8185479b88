// A home owner's claim never loses what was typed: it is written to IndexedDB first, then sent to
// the API with the client UUIDs made on the phone (the claim's and each photo's), and leaves the
// phone only when the server has confirmed it. With no network, or signed out, it waits and is
// sent again when the network is back (the server's client-UUID idempotency makes a resend
// harmless). A refused claim comes back to the form with the reason beside the field. The queue
// itself (store, sending, photo checks) is the kernel's plumbline/offline-queue.js.
(function () {
  "use strict";
  var panel = document.getElementById("claim-queue");
  if (!panel || !window.indexedDB || !window.PlumblineOfflineQueue) return;
  var Q = window.PlumblineOfflineQueue, queue = Q.open(panel, "plumbline-claims", "claims");
  var user = queue.text.user, t = queue.t, all = queue.all, put = queue.put, remove = queue.remove;
  var Refused = Q.Refused, SignedOut = Q.SignedOut;

  function send(row) {
    var start = row.claimId ? Promise.resolve({ id: row.claimId }) : queue.call("POST", "/projects/" + row.project + "/claims", row.body);
    return start.then(function (claim) {
      row.claimId = claim.id;
      return put(row).then(function () { return queue.sendPhotos(row, "/projects/" + row.project + "/claims/" + claim.id + "/photos"); });
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
        if (row.reason) li.appendChild(queue.discardButton(row, render));
        list.appendChild(li);
      });
    });
  }

  function fieldError(form, field, message) {
    queue.clearErrors(form);
    queue.fieldError(form, field, message, true);
  }

  function capture(form) {
    var data = new FormData(form);
    var files = Array.prototype.slice.call(form.querySelector("[name=photos]").files || []);
    var problems = files.map(queue.photoProblem).filter(Boolean);
    if (problems.length) return fieldError(form, "photos", problems.join(" "));
    var picked = data.get("global_ids");
    if (!data.get("category") && !picked) return fieldError(form, "category", t("pickCategory"));
    form.dataset.clientUuid = form.dataset.clientUuid || queue.uuid();  // the same claim on every resend
    var photos = queue.photosOf(form, files);
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
      card.innerHTML = "";
      card.appendChild(queue.savedOffline(t(error instanceof SignedOut ? "signedOut" : "savedOffline")));
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
