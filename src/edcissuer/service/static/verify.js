// edcissuer service pages: progressive enhancement only (the form works without this file).
// Adds drag-and-drop onto the file input's area and lists the chosen files; served as /static/verify.js.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-drop]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var box = zone.querySelector("[data-chosen]");
    var list = zone.querySelector("[data-chosen-list]");
    var hint = zone.querySelector("[data-drop-hint]");
    if (!input || !box || !list) { return; }
    if (hint) { hint.hidden = false; }
    function show() {
      list.textContent = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KiB)";
        list.appendChild(item);
      });
      box.hidden = !(input.files && input.files.length);
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
    show();
  });
  var heading = document.getElementById("results-heading");
  if (heading) { heading.focus(); }
});
