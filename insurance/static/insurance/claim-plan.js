// The claim's elements stand out on the storey plan of the claim's screen.
(function () {
  "use strict";
  var claim = document.getElementById("claim");
  var plan = document.getElementById("claim-plan");
  if (!claim || !plan) return;
  (claim.dataset.globalIds || "").split(" ").filter(Boolean).forEach(function (id) {
    plan.querySelectorAll('.element[data-global-id="' + id + '"]').forEach(function (el) { el.classList.add("claimed"); });
  });
})();
