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
