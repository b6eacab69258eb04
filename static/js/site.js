// Behaviour every page may use, wired by data attributes: no inline script or on…= handler
// anywhere, so the Content-Security-Policy can allow scripts from our own files only
// (chuancheng/headers.py, issue 13 §11).
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  // <input type="checkbox" data-check-all="NAME">: ticks or clears every checkbox named NAME.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target.matches && target.matches("input[type=checkbox][data-check-all]"))) {
      return;
    }
    var name = target.getAttribute("data-check-all");
    document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (box.name === name) {
        box.checked = target.checked;
      }
    });
  });

  // <form data-bootstrap-fields> (value "sm" for the small variant): Django's default widgets get
  // Bootstrap's classes.
  function styleFields(form) {
    var small = form.getAttribute("data-bootstrap-fields") === "sm";
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      var type = (field.getAttribute("type") || "").toLowerCase();
      if (["radio", "checkbox", "hidden", "file", "submit", "button", "reset", "image"].indexOf(type) !== -1) {
        return;
      }
      if (field.tagName === "SELECT") {
        field.classList.add("form-select");
        if (small) { field.classList.add("form-select-sm"); }
      } else {
        field.classList.add("form-control");
        if (small) { field.classList.add("form-control-sm"); }
      }
    });
  }

  function init() {
    document.querySelectorAll("form[data-bootstrap-fields]").forEach(styleFields);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  // <input data-suggest="whole|last" hx-get="…">: the term suggestions ask for `q`, the field's
  // value ("whole") or the term being typed after the last separator ("last"). Done here rather
  // than with hx-vals="js:…", which needs eval and so 'unsafe-eval' in the policy.
  document.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (!element || !element.hasAttribute || !element.hasAttribute("data-suggest")) {
      return;
    }
    var value = element.value || "";
    if (element.getAttribute("data-suggest") === "last") {
      value = value.split(/[,，、;；\s]+/).pop();
    }
    event.detail.parameters.q = value;
  });
})();
