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
// Step 5: choosing "Carte de crédit" or "Prélèvement pré-auto." shows that form at once.
document.querySelectorAll("form.js-autosubmit input[type=radio]").forEach(function (radio) {
  radio.addEventListener("change", function () { radio.form.submit(); });
});
// The cheque specimen: the chosen file's name next to "Parcourir".
document.querySelectorAll(".file-picker").forEach(function (picker) {
  var input = picker.querySelector("input[type=file]");
  var name = picker.querySelector(".file-name");
  if (!input || !name) { return; }
  input.addEventListener("change", function () {
    name.textContent = input.files.length ? input.files[0].name : name.dataset.empty;
  });
});
