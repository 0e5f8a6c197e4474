// The table of contents: open beside the text on wide screens, a closed "Contents" disclosure on phones,
// and the section being read marked with aria-current="true". No external requests, no dependencies.
(function () {
  "use strict";
  var box = document.querySelector("details[data-toc]");
  if (!box) {
    return;
  }
  // style.css shows the list on wide screens from the first paint; this keeps `open` (and so what
  // assistive technology announces) in step with what is visible.
  var wide = window.matchMedia("(min-width: 1100px)");
  box.open = wide.matches;
  wide.addEventListener("change", function () {
    box.open = wide.matches;
  });
  box.addEventListener("toggle", function () {
    if (wide.matches && !box.open) {
      box.open = true;
    }
  });

  if (!("IntersectionObserver" in window)) {
    return;
  }
  var links = [];
  var targets = [];
  Array.prototype.forEach.call(box.querySelectorAll('a[href^="#"]'), function (link) {
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (target) {
      links.push(link);
      targets.push(target);
    }
  });
  if (!targets.length) {
    return;
  }
  var current = null;
  function update() {
    // The current section is the last one whose heading has passed the top third of the window.
    var line = window.innerHeight / 3;
    var found = null;
    for (var i = 0; i < targets.length; i++) {
      if (targets[i].getBoundingClientRect().top <= line) {
        found = links[i];
      } else {
        break;
      }
    }
    if (found === current) {
      return;
    }
    if (current) {
      current.removeAttribute("aria-current");
    }
    if (found) {
      found.setAttribute("aria-current", "true");
    }
    current = found;
  }
  var observer = new IntersectionObserver(update, { rootMargin: "0px 0px -66% 0px", threshold: [0, 1] });
  targets.forEach(function (target) {
    observer.observe(target);
  });
  window.addEventListener("hashchange", update);
  update();
})();
