// A page answered with errors (a form sent back with them) opens on them: the error summary, or the
// first field marked invalid, gets the focus, so that it is scrolled into view on a phone and read out
// by a screen reader. Without this the page reloads at its top and the errors sit below the fold.
// A page that comes back after a save opens on its confirmation (#site-messages, base.html) the same
// way, rather than on <body>, unless its address names a place in the page (a channel moved comes back
// to #ranking): the browser has taken the reader there. Without JavaScript the confirmation is still
// the first thing in <main>, and its role=status has it read out.
(function () {
  "use strict";
  function namedPlace() {
    var id = window.location.hash.slice(1);
    if (!id) {
      return null;
    }
    try {
      return document.getElementById(decodeURIComponent(id));
    } catch (error) {
      return null;  // a malformed escape in the address names nothing
    }
  }
  function focusTarget() {
    var errors = document.querySelector(".error-summary") || document.querySelector('[aria-invalid="true"]');
    if (errors) {
      return errors;
    }
    return namedPlace() ? null : document.getElementById("site-messages");
  }
  function focusOnLoad() {
    var target = focusTarget();
    if (target) {
      target.focus();
    }
  }
  // A summary link jumps to its input; alone, the browser scrolls the input to the very top of the
  // screen, its question (the group's legend, the field's label) above it out of sight. As in GOV.UK's
  // error summary: bring the question into view, then focus the input without scrolling again.
  function questionFor(input) {
    var group = (input.type === "radio" || input.type === "checkbox") && input.closest("fieldset");
    var legend = group && group.querySelector("legend");
    if (legend) {
      return legend;
    }
    return (input.labels && input.labels[0]) || input;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('.error-summary a[href^="#"]');
    var input = link && document.getElementById(link.hash.slice(1));
    if (!input || typeof input.focus !== "function") {
      return;
    }
    event.preventDefault();
    if (window.history.pushState) {
      window.history.pushState(null, "", link.hash);  // the address and Back as the plain link leaves them
    }
    questionFor(input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnLoad);
  } else {
    focusOnLoad();
  }
})();
