// Progressive enhancement only: every feature works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("facet-form");
  if (form) {
    // Submit as soon as a facet box changes, so one click narrows the results.
    form.addEventListener("change", function (event) {
      if (event.target.matches('input[type="checkbox"]')) form.submit();
    });
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  }
  // Long facet lists get a filter box: typing hides the values that do not match.
  document.querySelectorAll("input.facet-filter").forEach(function (box) {
    box.hidden = false;
    var facet = box.closest(".facet");
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      var details = facet.querySelector("details.show-more");
      if (details && needle) details.open = true;
      facet.querySelectorAll("li").forEach(function (item) {
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  // "copy feed URL": a feed reader or alert pipeline wants the address, not a click.
  document.querySelectorAll("button.copy-feed").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = "copied";
      });
    });
  });
  // "/" focuses the search box, as on most search sites.
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && tag !== "input" && tag !== "textarea" && tag !== "select") {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });
});
