// Keyboard shortcuts for the moderation page. The page works without this file: every
// action is a plain form post. Keys: j/k move, s spam, h ham, u undo the last decision.
"use strict";

(function () {
  const items = Array.from(document.querySelectorAll("li.item"));
  let current = Math.min(Number(document.body.dataset.pos) || 0, Math.max(items.length - 1, 0));

  function select(index) {
    if (items.length === 0) {
      return;
    }
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) {
      item.classList.toggle("selected", i === current);
      item.setAttribute("aria-current", i === current ? "true" : "false");
    });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function decide(label) {
    const item = items[current];
    if (!item) {
      return;
    }
    const form = item.querySelector("form.decide");
    form.requestSubmit(form.querySelector("button[value='" + label + "']"));
  }

  function undo() {
    const form = document.querySelector("form.undo");
    if (form) {
      form.requestSubmit();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) {
      return;
    }
    if (event.target.closest("input, textarea, select")) {
      return;
    }
    const actions = {
      j: function () { select(current + 1); },
      k: function () { select(current - 1); },
      s: function () { decide("spam"); },
      h: function () { decide("ham"); },
      u: undo,
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  items.forEach(function (item, i) {
    item.addEventListener("click", function () { select(i); });
  });
  select(current);
})();
