// A page answered with errors (a form sent back with them) opens on them: the error summary, or the
// first field marked invalid, gets the focus, so that it is scrolled into view on a phone and read out
// by a screen reader. Without this the page reloads at its top and the errors sit below the fold.
(function () {
  "use strict";
  function focusErrors() {
    var target = document.querySelector(".error-summary") || document.querySelector('[aria-invalid="true"]');
    if (target) {
      target.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrors);
  } else {
    focusErrors();
  }
})();
