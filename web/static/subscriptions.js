// Conveniences only: every page works without this script.
// A catalog form (site, then category) submits itself when a choice changes.
document.querySelectorAll("form.js-autosubmit").forEach(function (form) {
  form.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.name === "site_id") {
        var category = form.querySelector("select[name=category_id]");
        if (category) { category.value = ""; }
      }
      form.submit();
    });
  });
});
