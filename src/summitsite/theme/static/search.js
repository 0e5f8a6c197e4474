// Starts Pagefind's Default UI on search/index.html. Kept out of the page so that no inline script is needed
// (a strict Content-Security-Policy stays possible). The header's search form sends ?q=...; run that query.
(function () {
  "use strict";
  function start() {
    if (typeof PagefindUI === "undefined") {
      var box = document.getElementById("search");
      if (box) {
        box.textContent = "The search index is missing: run Pagefind on the built site.";
      }
      return;
    }
    var ui = new PagefindUI({ element: "#search", showSubResults: true, showImages: false });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
