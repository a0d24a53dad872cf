/* The hosted card page in Stripe mode: Stripe.js's card element (an iframe on Stripe's origin)
   takes the card; on the portal's "tokenize" this page asks its server for a SetupIntent
   (usage=off_session), confirms it with the element (Stripe.js runs 3-D Secure when the issuer
   asks) and hands the portal the PaymentMethod id by postMessage, to its origin only. The
   number never passes through this page's script. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var parentOrigin = form.getAttribute("data-parent-origin");
  var errorCard = document.getElementById("e-card");
  var errorForm = document.getElementById("e-form");
  var holder = "";
  var busy = false;
  var card = null;
  var stripe = null;
  // The SetupIntent of this entry, kept after a refusal (a declined card, a failed challenge,
  // an incomplete field): Stripe lets it be confirmed again, so a retry asks for no new one.
  var intent = null;
  // Room for the issuer's 3-D Secure challenge, which Stripe.js opens over this page.
  var CHALLENGE_HEIGHT = 560;
  // Stripe's error codes (docs.stripe.com/error-codes) as this page's messages (French first).
  var KINDS = {
    incorrect_number: "number", invalid_number: "number",
    invalid_expiry_month: "expiry", invalid_expiry_year: "expiry",
    invalid_expiry_month_past: "expiry", invalid_expiry_year_past: "expiry", expired_card: "expiry",
    incorrect_cvc: "cvc", invalid_cvc: "cvc",
    incomplete_number: "incomplete", incomplete_expiry: "incomplete", incomplete_cvc: "incomplete",
    card_declined: "declined", processing_error: "declined",
    setup_intent_authentication_failure: "authentication"
  };

  function tell(message) {
    if (window.parent !== window) window.parent.postMessage(message, parentOrigin);
  }

  function resize(height) {
    var own = Math.ceil(form.getBoundingClientRect().height) + 8;
    tell({ type: "card-height", height: Math.max(own, height || 0) });
  }

  function message(error) {
    var kind = KINDS[error && (error.code || error.decline_code)];
    var known = kind && form.getAttribute("data-" + kind);
    if (known) return known;
    if (error && error.type === "validation_error" && error.message) return error.message;
    return form.getAttribute("data-unavailable");
  }

  function clear() {
    errorCard.textContent = "";
    errorForm.textContent = "";
  }

  function failed(target, text) {
    target.textContent = text;
    if (card && target === errorCard) card.focus();
    tell({ type: "card-error" });
    resize();
  }

  function setupIntent() {
    if (intent) return Promise.resolve(intent);
    return fetch("/v1/setup-intents", { method: "POST", credentials: "omit" }).then(function (r) {
      if (r.status !== 201) throw new Error("setup intent " + r.status);
      return r.json();
    }).then(function (answer) { intent = answer; return answer; });
  }

  function confirm(intent) {
    resize(CHALLENGE_HEIGHT);
    var details = holder ? { name: holder } : {};
    return stripe.confirmCardSetup(intent.client_secret, {
      payment_method: { card: card, billing_details: details }
    });
  }

  function settled(result) {
    if (result.error) { failed(errorCard, message(result.error)); return; }
    var setup = result.setupIntent || {};
    var method = setup.payment_method;
    var id = typeof method === "string" ? method : method && method.id;
    if (setup.status !== "succeeded" || !/^pm_[A-Za-z0-9]+$/.test(String(id))) {
      failed(errorForm, form.getAttribute("data-unavailable"));
      return;
    }
    intent = null;
    card.clear();
    resize();
    tell({ type: "card-token", token: id });
  }

  function tokenize() {
    if (busy) return;
    clear();
    if (!stripe) { failed(errorForm, form.getAttribute("data-unavailable")); return; }
    busy = true;
    setupIntent().then(function (current) {
      return confirm(current).then(settled);
    }).catch(function () {
      failed(errorForm, form.getAttribute("data-unavailable"));
    }).then(function () { busy = false; });
  }

  function start() {
    if (typeof window.Stripe !== "function") {  // Stripe.js did not load (network, blocked)
      errorForm.textContent = form.getAttribute("data-unavailable");
      return;
    }
    stripe = window.Stripe(form.getAttribute("data-publishable-key"), {
      locale: form.getAttribute("data-locale")
    });
    card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount("#card-element");
    card.on("change", function (event) {
      errorCard.textContent = event.error ? message(event.error) : "";
      resize();
    });
    document.getElementById("l-card").addEventListener("click", function () { card.focus(); });
  }

  // Enter in the card element submits this form (Stripe.js's behaviour): send the card, as the
  // portal's own form would be submitted.
  form.addEventListener("submit", function (event) { event.preventDefault(); tokenize(); });
  window.addEventListener("message", function (event) {
    if (event.origin !== parentOrigin || event.source !== window.parent) return;
    var data = event.data || {};
    if (data.type !== "tokenize") return;
    holder = typeof data.holder === "string" ? data.holder.slice(0, 200) : "";
    tokenize();
  });
  start();
  if (window.ResizeObserver) new ResizeObserver(function () { resize(); }).observe(document.body);
  resize();
  tell({ type: "card-ready" });
})();
