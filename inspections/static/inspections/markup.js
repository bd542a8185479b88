// Photo markup: before a photo is saved, draw arrows and circles on it. A photo input marked
// `data-markup` gets a strip of its photos, each with "Draw on photo"; the editor draws on a canvas
// (pointer events: a finger, a pen or a mouse) and gives back a JPEG, kept beside the original.
// Both are sent: the finding form's queue (offline.js) asks PlumblineMarkup.of(input); a plain form
// gets the marked-up copies as `markups` files with the index of each one's photo in `markup_of`.
// The strings come translated from the page (#photo-markup data-*).
(function () {
  "use strict";
  var strings = document.getElementById("photo-markup");
  if (!strings || !window.HTMLCanvasElement) return;
  var text = strings.dataset;
  var LONG_SIDE = 2048;  // the marked-up copy is at most this many pixels across
  var RED = "#e53935";
  var DRAWABLE = ["image/jpeg", "image/png", "image/webp", "image/gif"];

  function keyOf(file) { return [file.name, file.size, file.lastModified].join("|"); }
  // a file the form refuses (no photo, too large: offline.js's check where it runs) gets no
  // thumbnail: its refusal is said under the input instead
  function refused(file) {
    var queue = window.PlumblineQueue;
    if (queue && queue.photoProblem) return !!queue.photoProblem(file);
    return !/^image\//.test(file.type) && !/\.(heic|heif)$/i.test(file.name);
  }
  function state(input) {
    if (!input._markup) input._markup = { copies: {}, shapes: {} };
    return input._markup;
  }

  // --- the editor ---
  var editor = null;
  function buildEditor() {
    var root = document.createElement("div");
    root.className = "markup-editor";
    root.setAttribute("role", "dialog");
    root.setAttribute("aria-modal", "true");
    root.setAttribute("aria-label", text.title);
    root.hidden = true;
    var tools = document.createElement("div");
    tools.className = "markup-tools";
    var title = document.createElement("strong");
    title.textContent = text.title;
    tools.appendChild(title);
    function button(name, label, secondary) {
      var b = document.createElement("button");
      b.type = "button";
      b.dataset.markupAction = name;
      b.textContent = label;
      if (secondary) b.className = "secondary";
      tools.appendChild(b);
      return b;
    }
    var arrow = button("arrow", text.arrow, true);
    var circle = button("circle", text.circle, true);
    button("undo", text.undo, true);
    button("cancel", text.cancel, true);
    button("done", text.done);
    var canvas = document.createElement("canvas");
    root.appendChild(tools);
    root.appendChild(canvas);
    document.body.appendChild(root);
    return { root: root, tools: tools, canvas: canvas, arrow: arrow, circle: circle };
  }

  function drawShape(ctx, shape, width) {
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    [["#ffffff", width * 1.8], [RED, width]].forEach(function (pen) {  // a white edge reads on any photo
      ctx.strokeStyle = pen[0];
      ctx.lineWidth = pen[1];
      ctx.beginPath();
      if (shape.tool === "circle") {
        var cx = (shape.x0 + shape.x1) / 2, cy = (shape.y0 + shape.y1) / 2;
        var rx = Math.max(Math.abs(shape.x1 - shape.x0) / 2, 1), ry = Math.max(Math.abs(shape.y1 - shape.y0) / 2, 1);
        ctx.ellipse(cx, cy, rx, ry, 0, 0, 2 * Math.PI);
      } else {
        var angle = Math.atan2(shape.y1 - shape.y0, shape.x1 - shape.x0);
        var head = width * 7;
        ctx.moveTo(shape.x0, shape.y0);
        ctx.lineTo(shape.x1, shape.y1);
        ctx.moveTo(shape.x1 - head * Math.cos(angle - 0.45), shape.y1 - head * Math.sin(angle - 0.45));
        ctx.lineTo(shape.x1, shape.y1);
        ctx.lineTo(shape.x1 - head * Math.cos(angle + 0.45), shape.y1 - head * Math.sin(angle + 0.45));
      }
      ctx.stroke();
    });
  }

  function open(input, file) {
    editor = editor || buildEditor();
    var e = editor;
    var url = URL.createObjectURL(file);
    var image = new Image();
    image.onerror = function () { URL.revokeObjectURL(url); alert(text.cannot); };
    image.onload = function () {
      var scale = Math.min(1, LONG_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
      var canvas = e.canvas;
      canvas.width = Math.round(image.naturalWidth * scale);
      canvas.height = Math.round(image.naturalHeight * scale);
      var ctx = canvas.getContext("2d");
      var width = Math.max(3, Math.max(canvas.width, canvas.height) / 200);
      var key = keyOf(file);
      var shapes = (state(input).shapes[key] || []).slice();
      var tool = "arrow", current = null;
      function redraw() {
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        shapes.concat(current ? [current] : []).forEach(function (s) { drawShape(ctx, s, width); });
      }
      function fit() {
        var room = { w: window.innerWidth - 16, h: window.innerHeight - e.tools.offsetHeight - 24 };
        var k = Math.min(room.w / canvas.width, room.h / canvas.height);
        canvas.style.width = Math.floor(canvas.width * k) + "px";
        canvas.style.height = Math.floor(canvas.height * k) + "px";
      }
      function pick(name) {
        tool = name;
        e.arrow.setAttribute("aria-pressed", String(name === "arrow"));
        e.circle.setAttribute("aria-pressed", String(name === "circle"));
      }
      function at(event) {
        var r = canvas.getBoundingClientRect();
        return { x: (event.clientX - r.left) * canvas.width / r.width, y: (event.clientY - r.top) * canvas.height / r.height };
      }
      canvas.onpointerdown = function (event) {
        event.preventDefault();
        canvas.setPointerCapture(event.pointerId);
        var p = at(event);
        current = { tool: tool, x0: p.x, y0: p.y, x1: p.x, y1: p.y };
      };
      canvas.onpointermove = function (event) {
        if (!current) return;
        var p = at(event);
        current.x1 = p.x;
        current.y1 = p.y;
        redraw();
      };
      canvas.onpointerup = canvas.onpointercancel = function () {
        if (!current) return;
        if (Math.abs(current.x1 - current.x0) + Math.abs(current.y1 - current.y0) > width * 2) shapes.push(current);
        current = null;
        redraw();
        e.root.dataset.shapes = String(shapes.length);
      };
      function close() {
        e.root.hidden = true;
        e.tools.onclick = null;
        window.removeEventListener("resize", fit);
        URL.revokeObjectURL(url);
      }
      e.tools.onclick = function (event) {
        var action = event.target.dataset && event.target.dataset.markupAction;
        if (action === "arrow" || action === "circle") pick(action);
        else if (action === "undo") { shapes.pop(); redraw(); e.root.dataset.shapes = String(shapes.length); }
        else if (action === "cancel") close();
        else if (action === "done") {
          if (!shapes.length) { close(); return; }
          canvas.toBlob(function (blob) {
            var name = file.name.replace(/\.[^.]*$/, "") + "-marked.jpg";
            state(input).copies[key] = new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
            state(input).shapes[key] = shapes;
            close();
            strip(input);
          }, "image/jpeg", 0.9);
        }
      };
      pick("arrow");
      e.root.dataset.shapes = String(shapes.length);
      e.root.hidden = false;
      fit();
      window.addEventListener("resize", fit);
      redraw();
    };
    image.src = url;
  }

  // --- the strip of photos under the input ---
  function strip(input) {
    var box = input._markupStrip;
    if (!box) {
      box = input._markupStrip = document.createElement("div");
      box.className = "markup-strip";
      input.insertAdjacentElement("afterend", box);
    }
    box.innerHTML = "";
    var copies = state(input).copies;
    Array.prototype.forEach.call(input.files || [], function (file) {
      if (refused(file)) return;
      var key = keyOf(file);
      var figure = document.createElement("figure");
      figure.dataset.photo = file.name;
      var img = document.createElement("img");
      img.alt = "";
      var caption = document.createElement("figcaption");
      img.onerror = function () {  // a photo this browser cannot show (HEIC): its name, not a broken image
        img.remove();
        figure.dataset.noPreview = "1";
        if (!caption.textContent) caption.textContent = file.name;
      };
      img.src = URL.createObjectURL(copies[key] || file);
      figure.appendChild(img);
      if (copies[key]) {
        figure.dataset.marked = "1";
        caption.textContent = text.marked;
      }
      figure.appendChild(caption);
      if (DRAWABLE.indexOf(file.type) >= 0) {
        var draw = document.createElement("button");
        draw.type = "button";
        draw.className = "secondary markup-open";
        draw.textContent = copies[key] ? text.drawAgain : text.draw;
        draw.addEventListener("click", function () { open(input, file); });
        figure.appendChild(draw);
        if (copies[key]) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "secondary markup-remove";
          remove.textContent = text.remove;
          remove.addEventListener("click", function () {
            delete copies[key];
            delete state(input).shapes[key];
            strip(input);
          });
          figure.appendChild(remove);
        }
      }
      box.appendChild(figure);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-markup]")) return;
    input._markup = { copies: {}, shapes: {} };  // a new choice of photos starts unmarked
    strip(input);
  });

  // a plain form (the rectification's): the marked-up copies go as `markups`, with their photo's index
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "new-finding") return;  // sent through the tablet's queue (offline.js)
    form.querySelectorAll(".markup-sent").forEach(function (old) { old.remove(); });
    form.querySelectorAll("input[type=file][data-markup]").forEach(function (input) {
      var copies = state(input).copies, transfer = new DataTransfer(), indexes = [];
      Array.prototype.forEach.call(input.files || [], function (file, index) {
        if (copies[keyOf(file)]) {
          transfer.items.add(copies[keyOf(file)]);
          indexes.push(index);
        }
      });
      if (!indexes.length) return;
      var files = document.createElement("input");
      files.type = "file";
      files.name = "markups";
      files.multiple = true;
      files.hidden = true;
      files.className = "markup-sent";
      files.files = transfer.files;
      form.appendChild(files);
      indexes.forEach(function (index) {
        var of = document.createElement("input");
        of.type = "hidden";
        of.name = "markup_of";
        of.value = String(index);
        of.className = "markup-sent";
        form.appendChild(of);
      });
    });
  });

  // the tablet's queue asks for the marked-up copy of each photo of a form's input
  window.PlumblineMarkup = {
    of: function (input) {
      var copies = input ? state(input).copies : {};
      var out = {};
      Array.prototype.forEach.call(input && input.files || [], function (file) {
        if (copies[keyOf(file)]) out[keyOf(file)] = copies[keyOf(file)];
      });
      return out;
    },
  };
})();
