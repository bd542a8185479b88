// Zoom and pan a storey plan: pinch and drag with the fingers, the mouse wheel, or the + / -
// buttons, all by moving the SVG's viewBox (pointer events, no library). Pins are drawn in screen
// pixels and rescaled as the plan zooms, so their 40 px tap targets stay 40 px; the page's tap
// handler (plan.js) reads data-metres-per-pixel to pick the nearest element within 20 px. A drag
// is not a tap: the click ending it is swallowed. In portrait the card is a sheet over the plan
// (until the first card, the hint lies below the plan: .sheet.empty). On the plan page
// (data-fit) the plan is no taller than the screen below its top (--plan-room), so its lowest
// element is tappable without scrolling whatever the tabs above it take. Picking another version
// shows it at once.
(function () {
  var picker = document.getElementById("version-picker");
  if (picker) picker.querySelector("select").addEventListener("change", function () { picker.submit(); });
  var plan = document.getElementById("plan");
  if (!plan) return;
  var sheet = document.getElementById("sheet");
  var card = document.getElementById("card");
  var MAX_ZOOM = 40, DRAG = 8;
  var svg = null, home = null, box = null;
  var pointers = new Map(), gesture = null, swallowClick = false;

  function metresPerPixel() {
    var width = svg.clientWidth, height = svg.clientHeight;  // inside the border
    if (!width || !height) return box.w / 720;
    return Math.max(box.w / width, box.h / height);  // preserveAspectRatio "meet"
  }

  function fitRoom() {  // the height from the plan's top to the screen's bottom
    if (!svg || !("fit" in plan.dataset)) return;
    var top = svg.getBoundingClientRect().top + window.scrollY;
    plan.style.setProperty("--plan-room", Math.max(240, Math.floor(window.innerHeight - top - 12)) + "px");
  }

  function apply() {
    svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" "));
    var scale = metresPerPixel();
    svg.querySelectorAll(".pin-body").forEach(function (pin) { pin.setAttribute("transform", "scale(" + scale + ")"); });
    plan.dataset.metresPerPixel = scale.toFixed(5);
    plan.dataset.zoom = (home.w / box.w).toFixed(3);
  }

  function toPlan(clientX, clientY) {
    var point = svg.createSVGPoint();
    point.x = clientX;
    point.y = clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function zoomAt(clientX, clientY, factor) {
    var zoom = Math.min(Math.max(home.w / (box.w / factor), 1), MAX_ZOOM);
    var width = home.w / zoom, height = home.h / zoom;
    var at = toPlan(clientX, clientY);
    box.x = at.x - (at.x - box.x) * (width / box.w);
    box.y = at.y - (at.y - box.y) * (height / box.h);
    box.w = width;
    box.h = height;
    keepInside();
    apply();
  }

  function panBy(dxPixels, dyPixels) {
    var scale = metresPerPixel();
    box.x -= dxPixels * scale;
    box.y -= dyPixels * scale;
    keepInside();
    apply();
  }

  function keepInside() {  // half the view at least stays over the plan
    var cx = Math.min(Math.max(box.x + box.w / 2, home.x - box.w / 2), home.x + home.w + box.w / 2);
    var cy = Math.min(Math.max(box.y + box.h / 2, home.y - box.h / 2), home.y + home.h + box.h / 2);
    box.x = cx - box.w / 2;
    box.y = cy - box.h / 2;
  }

  function centre() {
    var rect = svg.getBoundingClientRect();
    return [rect.left + rect.width / 2, rect.top + rect.height / 2];
  }

  function controls() {
    if (plan.querySelector(".zoom")) return;
    var bar = document.createElement("div");
    bar.className = "zoom";
    [["+", plan.dataset.zoomIn, function () { var c = centre(); zoomAt(c[0], c[1], 1.6); }],
     ["\u2212", plan.dataset.zoomOut, function () { var c = centre(); zoomAt(c[0], c[1], 1 / 1.6); }],
     ["\u2922", plan.dataset.zoomReset, function () { box = Object.assign({}, home); apply(); }]]
      .forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = spec[0];
        button.title = spec[1];
        button.setAttribute("aria-label", spec[1]);
        button.addEventListener("click", function (event) { event.stopPropagation(); spec[2](); });
        bar.appendChild(button);
      });
    plan.appendChild(bar);
  }

  function setup() {
    var found = plan.querySelector(":scope > svg");
    if (!found || found === svg || !found.viewBox || !found.viewBox.baseVal) return;
    svg = found;
    var b = svg.viewBox.baseVal;
    home = { x: b.x, y: b.y, w: b.width, h: b.height };
    box = Object.assign({}, home);
    fitRoom();
    apply();
    controls();
    plan.dataset.zoomReady = "1";
  }

  plan.addEventListener("pointerdown", function (event) {
    if (!svg || !svg.contains(event.target)) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 1) {
      gesture = { kind: "press", x: event.clientX, y: event.clientY, id: event.pointerId };
    } else if (pointers.size === 2) {
      var p = Array.from(pointers.values());
      gesture = { kind: "pinch", distance: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y), mid: [(p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2] };
      swallowClick = true;
    }
  });

  plan.addEventListener("pointermove", function (event) {
    if (!gesture || !pointers.has(event.pointerId)) return;
    var last = pointers.get(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (gesture.kind === "press" && Math.hypot(event.clientX - gesture.x, event.clientY - gesture.y) > DRAG) {
      gesture.kind = "pan";
      swallowClick = true;
      svg.classList.add("panning");
      panBy(event.clientX - gesture.x, event.clientY - gesture.y);
      return;
    }
    if (gesture.kind === "pan") {
      panBy(event.clientX - last.x, event.clientY - last.y);
    } else if (gesture.kind === "pinch" && pointers.size === 2) {
      var p = Array.from(pointers.values());
      var distance = Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
      var mid = [(p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2];
      panBy(mid[0] - gesture.mid[0], mid[1] - gesture.mid[1]);
      if (gesture.distance > 0) zoomAt(mid[0], mid[1], distance / gesture.distance);
      gesture.distance = distance;
      gesture.mid = mid;
    }
  });

  function release(event) {
    pointers.delete(event.pointerId);
    if (pointers.size === 0) {
      gesture = null;
      if (svg) svg.classList.remove("panning");
      if (swallowClick) setTimeout(function () { swallowClick = false; }, 350);
    } else if (pointers.size === 1 && gesture && gesture.kind === "pinch") {
      var rest = Array.from(pointers.values())[0];
      gesture = { kind: "pan", x: rest.x, y: rest.y };
    }
  }
  plan.addEventListener("pointerup", release);
  plan.addEventListener("pointercancel", release);

  // a drag or a pinch ends in a click on whatever is under the finger: it is not a tap
  plan.addEventListener("click", function (event) {
    if (!swallowClick) return;
    swallowClick = false;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  plan.addEventListener("wheel", function (event) {
    if (!svg || !svg.contains(event.target)) return;
    event.preventDefault();
    zoomAt(event.clientX, event.clientY, Math.exp(-event.deltaY * 0.0015));
  }, { passive: false });

  window.addEventListener("resize", function () { if (svg) { fitRoom(); apply(); } });
  new MutationObserver(setup).observe(plan, { childList: true });  // a plan loaded later (the version page)
  setup();
  if (plan.dataset.planUrl) {  // a page of another app: its plan drawn without pins, swapped for the one with them
    fetch(plan.dataset.planUrl, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
      .then(function (markup) {
        var bar = plan.querySelector(".zoom");
        plan.innerHTML = markup;
        if (bar) plan.appendChild(bar);
        plan.dataset.pins = "1";
      })
      .catch(function () { plan.dataset.pins = "0"; });
  }

  // the card in portrait: a sheet over the plan; a new card opens it and keeps the tapped spot in sight
  if (sheet && card) {
    var close = sheet.querySelector(".sheet-close");
    if (close) close.addEventListener("click", function () { sheet.classList.add("closed"); });
    new MutationObserver(function () {
      sheet.classList.remove("closed", "empty");
      if (!svg) return;
      // the plan and its card fill the screen: the card's submit button in view beside the plan
      // (landscape), the plan in what the sheet leaves above it (portrait)
      window.scrollTo(0, window.scrollY + svg.getBoundingClientRect().top - 8);
      if (getComputedStyle(sheet).position !== "fixed") return;
      var spot = svg.querySelector("#tap, .selected");
      if (!spot) return;
      var top = sheet.getBoundingClientRect().top;
      var rect = spot.getBoundingClientRect();
      var y = rect.top + rect.height / 2;
      if (y > top - 24) {  // hidden under the sheet: bring it to the middle of what is left
        panBy(0, (Math.max(svg.getBoundingClientRect().top, 0) + top) / 2 - y);
      }
    }).observe(card, { childList: true });
  }
})();
