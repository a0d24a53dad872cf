/* A stand-in for Stripe.js v3 (docs.stripe.com/js), served by the tests' local Stripe server:
   only the surface the hosted card page uses. `Stripe(pk, {locale})`, `stripe.elements()`,
   `elements.create("card")`, `element.mount(selector)` (an iframe on this server's origin, where
   the card is typed), `element.on("change")`, `focus()`, `clear()`,
   `stripe.createPaymentMethod({type: "card", card, billing_details})` and
   `stripe.confirmCardSetup(clientSecret, {payment_method: {card, billing_details}})` with a
   3-D Secure challenge frame when the SetupIntent answers `requires_action`. As with Stripe,
   the card never leaves the element's frame except to this server. */
(function () {
  "use strict";
  var BASE = new URL(document.currentScript.src).origin;
  var counter = 0;
  var pending = {};

  window.addEventListener("message", function (event) {
    if (event.origin !== BASE) return;
    var data = event.data || {};
    if (data.fakeStripeReply && pending[data.fakeStripeReply]) {
      pending[data.fakeStripeReply](data.result);
      delete pending[data.fakeStripeReply];
    }
  });

  function Element(stripe, type) {
    this.stripe = stripe;
    this.type = type;
    this.id = "card" + (++counter);
    this.handlers = {};
    this.frame = null;
    this.container = null;
  }

  Element.prototype.mount = function (target) {
    var container = typeof target === "string" ? document.querySelector(target) : target;
    var frame = document.createElement("iframe");
    var query = "?locale=" + encodeURIComponent(this.stripe.locale) +
      "&origin=" + encodeURIComponent(location.origin) + "&element=" + this.id;
    frame.src = BASE + "/v3/elements/card" + query;
    frame.name = "__privateStripeFrame" + this.id;
    frame.title = this.stripe.locale.indexOf("fr") === 0
      ? "Cadre sécurisé pour la saisie de la carte" : "Secure card payment input frame";
    frame.setAttribute("frameborder", "0");
    frame.style.cssText = "border:0;width:100%;height:28px;display:block;";
    container.classList.add("StripeElement");
    container.appendChild(frame);
    this.frame = frame;
    this.container = container;
    var self = this;
    window.addEventListener("message", function (event) {
      if (event.origin !== BASE || event.source !== frame.contentWindow) return;
      var data = event.data || {};
      if (data.fakeStripeEvent) self.fire(data.fakeStripeEvent, data.detail || {});
    });
  };

  Element.prototype.fire = function (name, detail) {
    var box = this.container;
    if (name === "focus") box.classList.add("StripeElement--focus");
    if (name === "blur") box.classList.remove("StripeElement--focus");
    if (name === "change") box.classList.toggle("StripeElement--invalid", !!detail.error);
    if (name === "submit") {  // Enter in the element submits its form, as Stripe.js does
      var form = box.closest("form");
      if (form) form.requestSubmit();
      return;
    }
    (this.handlers[name] || []).forEach(function (handler) { handler(detail); });
  };

  Element.prototype.on = function (name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  };

  Element.prototype.send = function (message) {
    this.frame.contentWindow.postMessage(message, BASE);
  };

  Element.prototype.focus = function () { this.send({ fakeStripeAction: "focus" }); };
  Element.prototype.clear = function () { this.send({ fakeStripeAction: "clear" }); };

  Element.prototype.ask = function (action, params) {
    var id = "req" + (++counter);
    var element = this;
    return new Promise(function (resolve) {
      pending[id] = resolve;
      element.send({ fakeStripeAction: action, request: id, params: params });
    });
  };

  function FakeStripe(key, options) {
    if (!/^pk_/.test(String(key))) throw new Error("Invalid publishable key");
    this.key = key;
    this.locale = (options && options.locale) || "auto";
  }

  FakeStripe.prototype.elements = function () {
    var stripe = this;
    return { create: function (type) {
      if (type !== "card") throw new Error("the stand-in makes the card element only");
      return new Element(stripe, type);
    } };
  };

  FakeStripe.prototype.createPaymentMethod = function (params) {
    return params.card.ask("createPaymentMethod", {
      key: this.key, billing_details: params.billing_details || {}
    });
  };

  FakeStripe.prototype.confirmCardSetup = function (clientSecret, data) {
    var method = (data && data.payment_method) || {};
    var element = method.card;
    var key = this.key;
    return element.ask("confirmCardSetup", {
      key: key, client_secret: clientSecret, billing_details: method.billing_details || {}
    }).then(function (result) {
      var intent = result.setupIntent;
      if (!intent || intent.status !== "requires_action") return result;
      return challenge(intent).then(function () {
        return element.ask("retrieveSetupIntent", { key: key, client_secret: clientSecret });
      });
    });
  };

  function challenge(intent) {
    // The issuer's page in a frame over the page, as Stripe.js opens it; closed by its answer.
    return new Promise(function (resolve) {
      var frame = document.createElement("iframe");
      frame.name = "stripe-challenge";
      frame.title = "3-D Secure";
      frame.src = BASE + "/3ds/challenge?setup_intent=" + encodeURIComponent(intent.id) +
        "&origin=" + encodeURIComponent(location.origin);
      frame.style.cssText = "position:fixed;inset:0;width:100%;height:100%;border:0;" +
        "background:#fff;z-index:2147483647;";
      function done(event) {
        if (event.origin !== BASE || event.source !== frame.contentWindow) return;
        if (!(event.data && event.data.fakeStripeChallenge)) return;
        window.removeEventListener("message", done);
        frame.remove();
        resolve();
      }
      window.addEventListener("message", done);
      document.body.appendChild(frame);
    });
  }

  window.Stripe = function (key, options) { return new FakeStripe(key, options); };
})();
