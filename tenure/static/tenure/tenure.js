/* Tenure — a little keyboard help for people who live in this tool all day. No framework. */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (e) {
    var box = document.getElementById("quicksearch");
    // "/" jumps to the search box from anywhere (as in many tools); Escape leaves it.
    if (e.key === "/" && !typing(document.activeElement) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (box) { e.preventDefault(); box.focus(); box.select(); }
      return;
    }
    var suggest = document.getElementById("suggest");
    if (!box || !suggest || (document.activeElement !== box && !suggest.contains(document.activeElement))) return;
    var links = Array.prototype.slice.call(suggest.querySelectorAll("a, button"));
    if (e.key === "Escape") { suggest.innerHTML = ""; box.blur(); return; }
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && links.length) {
      e.preventDefault();
      var i = links.indexOf(document.activeElement);
      i = e.key === "ArrowDown" ? Math.min(i + 1, links.length - 1) : i - 1;
      if (i < 0) { box.focus(); } else { links[i].focus(); }
    }
  });
  // Close suggestions when clicking elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll(".suggest").forEach(function (s) {
      if (!s.parentNode.contains(e.target)) s.innerHTML = "";
    });
  });
  // A customer picker (referred by): suggestions in "pick" mode fill a hidden id and a label.
  document.addEventListener("click", function (e) {
    var item = e.target.closest("[data-pick-id]");
    if (!item) return;
    e.preventDefault();
    var picker = item.closest("[data-picker]");
    if (!picker) return;
    picker.querySelector("input[type=hidden]").value = item.getAttribute("data-pick-id");
    picker.querySelector("input[type=search]").value = item.getAttribute("data-pick-label");
    picker.querySelector(".suggest").innerHTML = "";
  });
  document.addEventListener("click", function (e) {
    var clear = e.target.closest("[data-pick-clear]");
    if (!clear) return;
    e.preventDefault();
    var picker = clear.closest("[data-picker]");
    picker.querySelector("input[type=hidden]").value = "";
    picker.querySelector("input[type=search]").value = "";
  });
  // Key/value attribute rows: "add a row" clones the last row, emptied.
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-row]");
    if (!add) return;
    e.preventDefault();
    var table = document.getElementById(add.getAttribute("data-add-row"));
    var last = table.querySelector("tbody tr:last-child");
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    last.parentNode.appendChild(row);
    row.querySelector("input").focus();
  });
})();
