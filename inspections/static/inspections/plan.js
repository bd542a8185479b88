// Tap an element on the storey plan: highlight it and load its card (with the capture form).
(function () {
  var plan = document.getElementById("plan");
  var card = document.getElementById("card");
  if (!plan || !card) return;
  plan.addEventListener("click", function (event) {
    var target = event.target.closest("[data-global-id]");
    if (!target || !target.classList.contains("element")) return;
    event.preventDefault();
    plan.querySelectorAll(".selected").forEach(function (el) { el.classList.remove("selected"); });
    target.classList.add("selected");
    var url = plan.dataset.cardUrl.replace("GLOBALID", encodeURIComponent(target.dataset.globalId));
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        card.innerHTML = html;
        var uuid = card.querySelector("input[name=client_uuid]");
        if (uuid && window.crypto && crypto.randomUUID) uuid.value = crypto.randomUUID();
      });
  });
})();
