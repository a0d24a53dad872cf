/* The card frame of the payment forms: the processor's hosted page (another origin) takes the
   card and answers a single-use token by postMessage; only messages from that origin and that
   frame are read. Submitting the form asks the frame for its token first. */
(function () {
  "use strict";
  var frame = document.querySelector("iframe[data-hosted-card]");
  if (!frame) return;
  var origin = frame.getAttribute("data-origin");
  var form = frame.closest("form");
  var field = form.querySelector("input[name=card_token]");
  var TOKEN = /^[A-Za-z0-9_]{1,100}$/;

  form.addEventListener("submit", function (event) {
    if (field.value) return;
    event.preventDefault();
    // The holder's name goes along: Stripe's page sends it with the card (billing details).
    var holder = form.querySelector("input[name=holder_name]");
    frame.contentWindow.postMessage({ type: "tokenize", holder: holder ? holder.value : "" }, origin);
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "card-token" && TOKEN.test(String(data.token))) {
      field.value = data.token;
      form.submit();
    } else if (data.type === "card-height") {
      var height = Math.max(120, Math.min(900, Number(data.height) || 0));
      frame.style.height = height + "px";
    } else if (data.type === "card-error") {
      frame.focus();
    }
  });
})();
