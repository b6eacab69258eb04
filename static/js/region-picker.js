// The region picker (accounts/widgets.py, issue 12 §2): cascading lists from the field's root
// down, and a search box that matches names and pinyin. Everything it shows comes from
// accounts:region-options; the chosen code goes into the hidden input the server reads.
(function () {
  "use strict";

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : { results: [] };
    });
  }

  function Picker(box) {
    this.box = box;
    this.url = box.getAttribute("data-url");
    this.root = box.getAttribute("data-root");
    this.levels = box.getAttribute("data-levels");
    this.value = box.querySelector("[data-region-value]");
    this.search = box.querySelector("[data-region-search]");
    this.results = box.querySelector("[data-region-results]");
    this.lists = box.querySelector("[data-region-levels]");
    this.chosen = box.querySelector("[data-region-chosen]");
    this.timer = null;
    this.seq = 0;
    var path = (box.getAttribute("data-path") || "").split(",").filter(Boolean);
    this.build(path);
    this.wire();
  }

  Picker.prototype.query = function (params) {
    var q = new URLSearchParams(params);
    if (this.root) { q.set("root", this.root); }
    if (this.levels) { q.set("levels", this.levels); }
    return fetchJson(this.url + "?" + q.toString());
  };

  // One list per level: the children of the root, then of each chosen division on `path`.
  Picker.prototype.build = function (path) {
    var self = this;
    this.lists.innerHTML = "";
    var parents = [this.root || ""].concat(path);
    var chain = Promise.resolve();
    parents.forEach(function (parent, depth) {
      chain = chain.then(function () {
        if (depth > 0 && !parent) { return null; }
        return self.addList(parent, path[depth] || "");
      });
    });
    return chain;
  };

  Picker.prototype.addList = function (parent, selected) {
    var self = this;
    return this.query({ parent: parent }).then(function (data) {
      if (!data.results.length) { return; }
      var column = document.createElement("div");
      column.className = "col-sm";
      var select = document.createElement("select");
      select.className = "form-select form-select-sm";
      select.setAttribute("aria-label", data.results[0].level_label);
      select.setAttribute("data-region-list", data.results[0].level);
      var blank = document.createElement("option");
      blank.value = "";
      blank.textContent = "— " + self.box.getAttribute("data-choose") + data.results[0].level_label + " —";
      select.appendChild(blank);
      data.results.forEach(function (r) {
        var option = document.createElement("option");
        option.value = r.code;
        option.textContent = r.name;
        option.dataset.label = r.label;
        option.dataset.selectable = r.selectable ? "1" : "";
        option.dataset.leaf = r.leaf ? "1" : "";
        if (r.code === selected) { option.selected = true; }
        select.appendChild(option);
      });
      select.addEventListener("change", function () { self.listChanged(column, select); });
      column.appendChild(select);
      self.lists.appendChild(column);
    });
  };

  Picker.prototype.listChanged = function (column, select) {
    while (column.nextSibling) { this.lists.removeChild(column.nextSibling); }
    var option = select.options[select.selectedIndex];
    if (!option.value) {
      // Back to the level above: its choice stands, if it may be chosen.
      var previous = column.previousSibling && column.previousSibling.querySelector("select");
      var above = previous ? previous.options[previous.selectedIndex] : null;
      this.set(above && above.value ? above : null);
      return;
    }
    this.set(option);
    if (!option.dataset.leaf) { this.addList(option.value, ""); }
  };

  Picker.prototype.set = function (option) {
    var selectable = option && option.dataset.selectable;
    this.value.value = selectable ? option.value : "";
    this.search.value = "";
    this.chosen.textContent = option
      ? (selectable ? option.dataset.label : option.dataset.label + " · " + this.box.getAttribute("data-not-allowed"))
      : "";
    this.value.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Picker.prototype.pick = function (result) {
    this.hide();
    this.value.value = result.code;
    this.search.value = "";
    this.chosen.textContent = result.label;
    this.build(result.path);
    this.value.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Picker.prototype.hide = function () {
    this.results.hidden = true;
    this.results.innerHTML = "";
    this.search.setAttribute("aria-expanded", "false");
  };

  Picker.prototype.find = function () {
    var self = this;
    var text = this.search.value.trim();
    var seq = ++this.seq;
    if (!text) { this.hide(); return; }
    this.query({ q: text }).then(function (data) {
      if (seq !== self.seq) { return; }  // a later keystroke's answer is on its way
      self.results.innerHTML = "";
      if (!data.results.length) {
        var none = document.createElement("div");
        none.className = "list-group-item text-muted small";
        none.textContent = self.box.getAttribute("data-empty");
        self.results.appendChild(none);
      }
      data.results.forEach(function (r, i) {
        var item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action" + (i === 0 ? " active" : "");
        item.setAttribute("role", "option");
        item.textContent = r.label + "（" + r.level_label + "）";
        item.disabled = !r.selectable;
        item.addEventListener("click", function () { self.pick(r); });
        self.results.appendChild(item);
      });
      self.results.hidden = false;
      self.search.setAttribute("aria-expanded", "true");
    });
  };

  Picker.prototype.wire = function () {
    var self = this;
    this.search.addEventListener("input", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.find(); }, 150);
    });
    this.search.addEventListener("keydown", function (event) {
      var items = Array.prototype.slice.call(self.results.querySelectorAll("button:not([disabled])"));
      var current = items.findIndex(function (b) { return b.classList.contains("active"); });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) { return; }
        if (current >= 0) { items[current].classList.remove("active"); }
        current = event.key === "ArrowDown" ? Math.min(current + 1, items.length - 1) : Math.max(current - 1, 0);
        items[current].classList.add("active");
      } else if (event.key === "Enter" && !self.results.hidden) {
        // Enter picks the highlighted match instead of submitting the form half-filled.
        event.preventDefault();
        if (current >= 0) { items[current].click(); }
      } else if (event.key === "Escape") {
        self.hide();
      }
    });
    document.addEventListener("click", function (event) {
      if (!self.box.contains(event.target)) { self.hide(); }
    });
  };

  function init(root) {
    (root || document).querySelectorAll("[data-region-picker]").forEach(function (box) {
      if (!box.regionPicker) { box.regionPicker = new Picker(box); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
