// Tap an element on the storey plan: highlight it and load its card (with the capture form).
// Tap anywhere else: the nearest element within a finger's reach, or (a room, an empty spot) a point
// card that suggests the nearest elements. The card shown is in the address (#element=GlobalId or
// #point=x,y,reach), so back and reload open it again; what is typed in its capture form is kept
// as a draft in localStorage, per user, project and element (or point), until the finding is
// logged (sent, or saved in the tablet's queue: offline.js says so with "plumbline:captured") or
// the draft is discarded.
(function () {
  var plan = document.getElementById("plan");
  var card = document.getElementById("card");
  if (!plan || !card) return;

  // --- drafts of the capture form ---
  var queue = document.getElementById("offline-queue");
  var DRAFTS = queue && window.localStorage ? "plumbline-draft:" + queue.dataset.user + ":" + queue.dataset.project + ":" : "";
  function draftKey(form) {
    var root = form && form.closest("[data-element], [data-point]");
    if (!DRAFTS || !root) return "";
    if (root.dataset.element) return DRAFTS + "element:" + root.dataset.element;
    var storey = form.querySelector("[name=storey_global_id]");
    return DRAFTS + "point:" + (storey ? storey.value : "") + "@" + root.dataset.point;
  }
  function fields(form) {  // what the inspector types or picks: not the hidden ids, not the photos
    return Array.prototype.filter.call(form.elements, function (f) {
      return f.name && f.type !== "hidden" && f.type !== "file" && f.type !== "submit" && f.type !== "button";
    });
  }
  function changed(f) {
    if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
    if (f.tagName === "SELECT") return Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; });
    return f.value !== f.defaultValue;
  }
  function saveDraft(form) {
    var key = draftKey(form);
    if (!key) return;
    var all = fields(form);
    try {
      if (!all.some(changed)) { localStorage.removeItem(key); return; }
      var values = {}, ticked = [];
      all.forEach(function (f) {
        if (f.type === "checkbox" || f.type === "radio") { if (f.checked) ticked.push(f.name + "=" + f.value); }
        else values[f.name] = f.value;
      });
      localStorage.setItem(key, JSON.stringify({ values: values, ticked: ticked, saved: Date.now() }));
    } catch (error) { /* storage full or refused: the form itself still holds the text */ }
  }
  function discardDraft(form) {
    var key = draftKey(form);
    if (key) localStorage.removeItem(key);
    var note = form.querySelector(".draft-restored");
    if (note) note.remove();
  }
  function restoreDraft(form) {
    var key = draftKey(form), draft = null;
    try { draft = key && JSON.parse(localStorage.getItem(key) || "null"); } catch (error) { draft = null; }
    if (!draft) return;
    fields(form).forEach(function (f) {
      if (f.type === "checkbox" || f.type === "radio") f.checked = draft.ticked.indexOf(f.name + "=" + f.value) >= 0;
      else if (f.name in draft.values) f.value = draft.values[f.name];
    });
    var note = document.createElement("p");
    note.className = "draft-restored muted";
    note.setAttribute("role", "status");
    note.textContent = plan.dataset.draftRestored + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary draft-discard";
    discard.textContent = plan.dataset.draftDiscard;
    discard.addEventListener("click", function () {
      discardDraft(form);
      form.reset();
    });
    note.appendChild(discard);
    form.insertBefore(note, form.firstChild);
  }
  ["input", "change"].forEach(function (kind) {
    card.addEventListener(kind, function (event) {
      var form = event.target.form;
      if (form && form.id === "new-finding") saveDraft(form);
    });
  });
  document.addEventListener("plumbline:captured", function (event) {
    discardDraft(event.target);
    remember("");
  });
  var close = document.querySelector("#sheet .sheet-close");
  if (close) close.addEventListener("click", function () { remember(""); });  // nothing selected: the draft stays

  // --- the card in the address ---
  function remember(hash) {
    if (location.hash === hash) return;
    history.replaceState(history.state, "", location.pathname + location.search + hash);
  }

  // a session that expired answers with the login page (or 401/403): say so, never draw it in the card
  function signedOut(response) {
    return (response.redirected && new URL(response.url).pathname === "/login/") ||
      response.status === 401 || response.status === 403;
  }

  function load(url, point) {  // point: the spot tapped, [x, y, reach] in metres, for the address
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (signedOut(response)) return null;
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null) {
          if (window.PlumblineQueue) window.PlumblineQueue.showSignedOut(card);
          return;
        }
        card.innerHTML = html;
        var picked = card.querySelector("[data-element]");  // a tap beside an element picks it
        var path = picked && plan.querySelector('.element[data-global-id="' + CSS.escape(picked.dataset.element) + '"]');
        if (path) {
          var dot = plan.querySelector("#tap");
          if (dot) dot.remove();
          path.classList.add("selected");
        }
        card.querySelectorAll("input[name=client_uuid]").forEach(function (uuid) {
          if (window.crypto && crypto.randomUUID) uuid.value = crypto.randomUUID();
        });
        if (picked) remember("#element=" + encodeURIComponent(picked.dataset.element));
        else if (card.querySelector("[data-point]") && point) remember("#point=" + point.join(","));
        var form = card.querySelector("#new-finding");
        if (form) restoreDraft(form);
      })
      .catch(function () {
        card.innerHTML = "";
        var message = document.createElement("p");
        message.className = "error";
        message.setAttribute("role", "alert");
        message.textContent = plan.dataset.loadError;
        card.appendChild(message);
      });
  }

  plan.addEventListener("click", function (event) {
    if (event.target.closest(".pin")) return;  // a pin is a link to its finding
    var svg = plan.querySelector("svg");
    plan.querySelectorAll(".selected").forEach(function (el) { el.classList.remove("selected"); });
    var marker = svg && svg.querySelector("#tap");
    if (marker) marker.remove();
    var target = event.target.closest("[data-global-id]");
    if (target && target.classList.contains("element")) {
      event.preventDefault();
      target.classList.add("selected");
      load(plan.dataset.cardUrl.replace("GLOBALID", encodeURIComponent(target.dataset.globalId)));
      return;
    }
    if (!svg || !svg.getScreenCTM() || !plan.dataset.pointUrl) return;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(svg.getScreenCTM().inverse());
    var flip = parseFloat(svg.dataset.flip || "0");
    // a finger is 40 px wide at any zoom: the nearest element within 20 px of the tap is picked
    var reach = (20 * parseFloat(plan.dataset.metresPerPixel || "0")).toFixed(3);
    loadPoint(at.x.toFixed(3), (flip - at.y).toFixed(3), reach);
  });

  function loadPoint(x, y, reach) {  // in metres on the storey (y up)
    var svg = plan.querySelector("svg");
    var flip = parseFloat(svg.dataset.flip || "0");
    var box = svg.viewBox.baseVal;
    var dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    dot.setAttribute("id", "tap");
    dot.setAttribute("cx", x);
    dot.setAttribute("cy", flip - parseFloat(y));
    dot.setAttribute("r", Math.max(box.width, box.height) / 100);
    dot.setAttribute("fill", "#0b5cad");
    svg.appendChild(dot);
    load(plan.dataset.pointUrl + "&x=" + encodeURIComponent(x) + "&y=" + encodeURIComponent(y) + "&r=" + encodeURIComponent(reach), [x, y, reach]);
  }

  // back or reload: the card that was open opens again (with its draft)
  function reopen() {
    var hash = location.hash;
    var element = /^#element=(.+)$/.exec(hash), at = /^#point=(-?[\d.]+),(-?[\d.]+),([\d.]+)$/.exec(hash);
    if (element) {
      var gid = decodeURIComponent(element[1]);
      var path = plan.querySelector('.element[data-global-id="' + CSS.escape(gid) + '"]');
      if (!path) return;
      path.classList.add("selected");
      load(plan.dataset.cardUrl.replace("GLOBALID", encodeURIComponent(gid)));
    } else if (at && plan.querySelector("svg") && plan.dataset.pointUrl) {
      loadPoint(at[1], at[2], at[3]);
    }
  }
  reopen();
  plan.dataset.ready = "1";  // taps are handled from here on
})();
