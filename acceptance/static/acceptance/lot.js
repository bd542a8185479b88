// The lot's inspection record, filled on site: kept on the tablet (localStorage) from the moment
// "Save the record" is tapped until the server has answered, with the client UUID the page gave
// it, so a lost network or a reload loses nothing and a resend is harmless (the API returns the
// first record for the same UUID). The strings come translated from the form's data-*.
(function () {
  "use strict";
  var form = document.getElementById("lot-inspection");
  if (!form) return;
  var text = form.dataset;
  var KEY = "plumbline-lot-records";
  var state = document.getElementById("record-state");
  var queuePanel = document.getElementById("lot-queue");

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(rows) { localStorage.setItem(KEY, JSON.stringify(rows)); }
  function mine(row) { return row.user === text.user; }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : text.csrf;
  }
  function number(value) { return value === "" || value === undefined ? null : Number(value); }

  function collect() {
    var items = [];
    var complete = true;
    form.querySelectorAll("fieldset.item").forEach(function (fieldset) {
      var item = { kind: fieldset.dataset.kind, name: fieldset.dataset.name };
      if (fieldset.dataset.passRate) item.pass_rate = Number(fieldset.dataset.passRate);
      if (fieldset.dataset.measured) {
        var serious = fieldset.querySelector("input.serious").checked;
        item.points = [];
        fieldset.querySelectorAll("input.point").forEach(function (input, index) {
          if (input.value === "") complete = false;
          item.points.push({
            label: String(index + 1),
            measured: number(input.value),
            tolerance_low: number(fieldset.dataset.toleranceLow),
            tolerance_high: number(fieldset.dataset.toleranceHigh),
            serious_defect: serious && index === 0
          });
        });
      } else {
        var checked = fieldset.querySelector("input[type=radio]:checked");
        if (!checked) complete = false;
        item.result = checked ? checked.value : null;
      }
      items.push(item);
    });
    return complete ? items : null;
  }

  function restore(body) {
    form.querySelector("[name=inspected_on]").value = body.inspected_on;
    form.querySelector("[name=client_uuid]").value = body.client_uuid;
    form.querySelector("[name=note]").value = body.note || "";
    var fieldsets = form.querySelectorAll("fieldset.item");
    body.items.forEach(function (item, i) {
      var fieldset = fieldsets[i];
      if (!fieldset) return;
      if (item.points) {
        fieldset.querySelectorAll("input.point").forEach(function (input, j) {
          var point = item.points[j];
          if (point && point.measured !== null) input.value = point.measured;
        });
        fieldset.querySelector("input.serious").checked = item.points.some(function (p) { return p.serious_defect; });
      } else if (item.result) {
        var radio = fieldset.querySelector("input[value=" + item.result + "]");
        if (radio) radio.checked = true;
      }
    });
  }

  function show(message, isError) {
    state.textContent = message;
    state.className = isError ? "error" : "muted";
  }

  function send(row) {
    show(text.sending, false);
    return fetch(row.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(row.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status >= 500) throw new Error("server");
        var rows = load().filter(function (r) { return r.body.client_uuid !== row.body.client_uuid; });
        if (response.ok) {
          save(rows);
          window.location.reload();
          return;
        }
        if (response.status === 401 || response.status === 403) {
          show(text.refused + " " + (data.detail || response.status), true);
          return;
        }
        save(rows);  // the server has answered: the values stay in the form to correct
        var reasons = (data.reasons || []).map(function (r) { return r.message; }).join(" ");
        show(text.refused + " " + (data.detail || "") + (reasons && reasons !== data.detail ? " " + reasons : ""), true);
      });
    }).catch(function () {
      show(text.savedOffline, false);
      queuePanel.hidden = false;
      queuePanel.textContent = text.savedOffline;
    });
  }

  function flush() {
    load().filter(mine).filter(function (row) { return row.lot === text.lot; }).forEach(send);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var items = collect();
    if (!items) { show(text.missing, true); return; }
    var row = {
      user: text.user,
      lot: text.lot,
      url: text.url,
      body: {
        client_uuid: form.querySelector("[name=client_uuid]").value,
        inspected_on: form.querySelector("[name=inspected_on]").value,
        note: form.querySelector("[name=note]").value,
        items: items
      }
    };
    var rows = load().filter(function (r) { return r.body.client_uuid !== row.body.client_uuid; });
    rows.push(row);
    save(rows);  // on the tablet first, then to the server
    send(row);
  });

  var waiting = load().filter(mine).filter(function (row) { return row.lot === text.lot; });
  if (waiting.length) {
    restore(waiting[0].body);
    queuePanel.hidden = false;
    queuePanel.textContent = text.savedOffline;
    flush();
  }
  window.addEventListener("online", flush);
}());
