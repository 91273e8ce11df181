// Upload form: show only the fields and the requirements of the chosen kind.
(function () {
  var kind = document.getElementById("kind");
  if (!kind) return;
  function sync() {
    document.querySelectorAll("fieldset[data-kind], .kind-guide[data-kind]").forEach(function (fs) {
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

// Phones show table rows as cards: each cell carries its column's name (CSS shows it).
document.querySelectorAll("table.list").forEach(function (table) {
  var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    var column = 0;
    Array.prototype.forEach.call(row.cells, function (cell) {
      if (!cell.hasAttribute("data-label") && cell.colSpan === 1 && names[column] !== undefined) {
        cell.setAttribute("data-label", names[column]);
      }
      column += cell.colSpan || 1;
    });
  });
});
