// The findings list's "Export": ask for a report (PDF or XLSX) of what the list shows (the
// filters in the page's address), then follow its progress until the download link is there.
// The strings come translated from the template (#export-report data-*).
(function () {
  "use strict";
  var form = document.getElementById("export-report");
  if (!form || !window.fetch) return;
  var text = form.dataset;
  var button = form.querySelector("button[type=submit]");
  var bar = form.querySelector("progress");
  var state = form.querySelector(".report-state");
  var link = form.querySelector("a.report-download");
  var POLL_MS = 700;

  function t(name, values) {
    var s = text[name] || name;
    Object.keys(values || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(values[k]); });
    return s;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : text.csrf;
  }
  function call(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json", "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.detail || String(response.status));
        return data;
      });
    });
  }
  function show(report) {
    form.dataset.status = report.status;
    bar.hidden = false;
    bar.value = report.progress;
    state.className = "report-state muted";
    if (report.status === "done") {
      state.textContent = t("done", { count: report.finding_count });
      link.href = report.download_url;
      link.setAttribute("download", text.fileName + "." + report.format);
      link.hidden = false;
    } else if (report.status === "failed") {
      state.className = "report-state error";
      state.textContent = report.error;
    } else if (report.status === "running") {
      state.textContent = t("running") + " " + report.progress + "%";
    } else {
      state.textContent = t("queued");
    }
  }
  function fail(error) {
    button.disabled = false;
    bar.hidden = true;
    state.className = "report-state error";
    state.setAttribute("role", "alert");
    state.textContent = error.message || t("failed");
  }
  function follow(report) {
    show(report);
    if (report.status === "done" || report.status === "failed") {
      button.disabled = false;
      return;
    }
    setTimeout(function () {
      call("GET", text.api + "/" + report.id).then(follow, fail);
    }, POLL_MS);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var filters = {};
    new URLSearchParams(location.search).forEach(function (value, name) {
      if (name !== "page" && value) filters[name] = value;
    });
    button.disabled = true;
    link.hidden = true;
    state.removeAttribute("role");
    show({ status: "queued", progress: 0 });
    call("POST", text.api, { format: form.querySelector("[name=format]").value, filters: filters }).then(follow, fail);
  });
})();
