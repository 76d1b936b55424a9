/* Small page behaviours, declared in the templates with data- attributes, because the
   Content-Security-Policy allows no inline script or onclick= handler. Loaded by both the
   officers' and the workers' base templates. No build step. */
(function () {
  "use strict";

  // <form data-confirm="…"> and <button data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
    if (event.target.closest("[data-print]")) window.print();
    if (event.target.closest("[data-history-back]")) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    // <select data-autosubmit data-autosubmit-clears="city county">: submit the form on change,
    // emptying the dependent fields first (a new province starts a new city and county).
    if (el.matches("[data-autosubmit]")) {
      (el.dataset.autosubmitClears || "").split(" ").forEach(function (name) {
        var other = name && el.form.querySelector("[name=" + name + "]");
        if (other) other.value = "";
      });
      el.form.submit();
    }
    // <select data-query-param="enrolment">: reload the page with ?enrolment=<value>.
    if (el.matches("[data-query-param]")) {
      var params = new URLSearchParams();
      params.set(el.dataset.queryParam, el.value);
      window.location.search = params.toString();
    }
    if (el.form && el.name) showFor(el.form, el.name);
    // <input type=checkbox data-check-all="files">: tick or untick every checkbox named files.
    if (el.matches("[data-check-all]")) {
      document.querySelectorAll("input[type=checkbox][name=" + el.dataset.checkAll + "]").forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });

  // <fieldset data-shown-for="category" data-shown-value="wage_arrears">: shown only while the
  // form's field `category` has that value (without JavaScript every such fieldset shows).
  function showFor(form, name) {
    var field = form.elements[name];
    if (!field) return;
    form.querySelectorAll("[data-shown-for='" + name + "']").forEach(function (box) {
      box.hidden = box.dataset.shownValue !== field.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shown-for]").forEach(function (box) {
      if (box.closest("form")) showFor(box.closest("form"), box.dataset.shownFor);
    });
  });

  // Search-as-you-type fields (hx-get on an input without a name): send what was typed as ?q=,
  // beside any static hx-vals, without htmx's js: values (eval, refused by the policy).
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-picker-query]")) event.detail.parameters.q = elt.value;
  });
})();
