// Tap an element on the storey plan: highlight it and load its card (with the capture form).
// Tap anywhere else: the nearest element within a finger's reach, or (a room, an empty spot) a point
// card that suggests the nearest elements.
(function () {
  var plan = document.getElementById("plan");
  var card = document.getElementById("card");
  if (!plan || !card) return;

  // a session that expired answers with the login page (or 401/403): say so, never draw it in the card
  function signedOut(response) {
    return (response.redirected && new URL(response.url).pathname === "/login/") ||
      response.status === 401 || response.status === 403;
  }

  function load(url) {
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
    var box = svg.viewBox.baseVal;
    var dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    dot.setAttribute("id", "tap");
    dot.setAttribute("cx", at.x);
    dot.setAttribute("cy", at.y);
    dot.setAttribute("r", Math.max(box.width, box.height) / 100);
    dot.setAttribute("fill", "#0b5cad");
    svg.appendChild(dot);
    var x = at.x.toFixed(3), y = (flip - at.y).toFixed(3);
    // a finger is 40 px wide at any zoom: the nearest element within 20 px of the tap is picked
    var reach = (20 * parseFloat(plan.dataset.metresPerPixel || "0")).toFixed(3);
    load(plan.dataset.pointUrl + "&x=" + encodeURIComponent(x) + "&y=" + encodeURIComponent(y) + "&r=" + reach);
  });
  plan.dataset.ready = "1";  // taps are handled from here on
})();
