// Upload form: show only the fieldset for the chosen kind.
(function () {
  var kind = document.getElementById("kind");
  if (!kind) return;
  function sync() {
    document.querySelectorAll("fieldset[data-kind]").forEach(function (fs) {
      fs.hidden = fs.getAttribute("data-kind") !== kind.value;
    });
  }
  kind.addEventListener("change", sync);
  sync();
})();

// Forms that ask before submitting, selects that submit on change (no inline handlers: the
// Content-Security-Policy forbids them).
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
});
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
