/* The hosted card page: posts the card to this origin, hands the framing portal a single-use
   token by postMessage (to its configured origin only), never the number. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var parentOrigin = form.getAttribute("data-parent-origin");
  var lang = document.documentElement.lang === "en" ? "en" : "fr";
  var FIELDS = { number: "number", exp_month: "expiry", exp_year: "expiry", cvv: "cvv" };
  var INPUTS = { number: "f-number", expiry: "f-exp_month", cvv: "f-cvv" };
  var busy = false;

  function tell(message) {
    if (window.parent !== window) window.parent.postMessage(message, parentOrigin);
  }

  function resize() {
    // The form's own height: the document's would be at least the frame's, and grow with it.
    tell({ type: "card-height", height: Math.ceil(form.getBoundingClientRect().height) + 8 });
  }

  function clear() {
    Object.keys(INPUTS).concat(["form"]).forEach(function (key) {
      document.getElementById("e-" + key).textContent = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function show(key, text) {
    var target = document.getElementById("e-" + (INPUTS[key] ? key : "form"));
    if (!target.textContent) target.textContent = text;
    if (INPUTS[key]) document.getElementById(INPUTS[key]).setAttribute("aria-invalid", "true");
  }

  function focusFirstError() {
    var first = form.querySelector("[aria-invalid='true']");
    if (first) first.focus();
  }

  function values() {
    return {
      number: form.elements.number.value.trim(),
      exp_month: form.elements.exp_month.value,
      exp_year: form.elements.exp_year.value,
      cvv: form.elements.cvv.value.trim()
    };
  }

  function missing(card) {
    var found = false;
    if (!card.number) { show("number", form.getAttribute("data-required")); found = true; }
    if (!card.exp_month || !card.exp_year) { show("expiry", form.getAttribute("data-expiry")); found = true; }
    if (!card.cvv) { show("cvv", form.getAttribute("data-required")); found = true; }
    return found;
  }

  function refused(body) {
    var errors = (body && body.errors) || [];
    errors.forEach(function (error) {
      var message = error.message || {};
      show(FIELDS[error.field] || "form", message[lang] || message.fr || "");
    });
    if (!errors.length) show("form", form.getAttribute("data-unavailable"));
  }

  function failed() {
    focusFirstError();
    tell({ type: "card-error" });
    resize();
  }

  function tokenize() {
    if (busy) return;
    clear();
    var card = values();
    if (missing(card)) { failed(); return; }
    busy = true;
    var body = JSON.stringify({
      number: card.number, exp_month: Number(card.exp_month),
      exp_year: Number(card.exp_year), cvv: card.cvv
    });
    fetch("/v1/single-use-tokens", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: body,
      credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.status === 201, answer: answer }; });
    }).then(function (result) {
      if (!result.ok) { refused(result.answer); failed(); return; }
      var a = result.answer;
      form.reset();
      tell({ type: "card-token", token: a.token, brand: a.brand, last4: a.last4 });
    }).catch(function () {
      show("form", form.getAttribute("data-unavailable"));
      failed();
    }).then(function () { busy = false; });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); tokenize(); });
  // Enter in any field sends the card, as it would submit the portal's own form.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.isComposing) { event.preventDefault(); tokenize(); }
  });
  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) return;
    if (event.data && event.data.type === "tokenize") tokenize();
  });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
  resize();
  tell({ type: "card-ready" });
})();
