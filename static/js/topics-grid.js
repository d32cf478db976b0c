/*
 * The topics page saves without a reload and warns before leaving unsaved changes (progressive
 * enhancement: without JavaScript the same form posts and the page reloads).
 * The form is posted to its own URL as it is; the server answers as it does without JavaScript (a
 * redirect to the page with its confirmation, or the page with its errors), and the grid is read back
 * from that answer, so what shows is what the server kept. Its words come from the page (the
 * server's message, or data-*-text attributes in the customer's language): this file holds none.
 */
(function () {
  "use strict";

  var form = document.getElementById("topics-form");
  var grid = document.getElementById("topics-grid");
  var status = document.getElementById("topics-status");
  if (!form || !grid || !status || !window.fetch || !window.FormData || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var unsaved = form.querySelector("[data-unsaved]");
  var saving = false;

  function snapshot() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  var saved = snapshot();

  function isDirty() {
    return snapshot() !== saved;
  }

  function showDirty() {
    if (unsaved) {
      unsaved.hidden = !isDirty();
    }
  }

  function openDetails() {
    return Array.prototype.map.call(grid.querySelectorAll("details[open]"), function (details) {
      return details.id;
    });
  }

  function replaceGrid(fresh, keepOpen) {
    var focusedId = grid.contains(document.activeElement) ? document.activeElement.id : "";
    grid.innerHTML = fresh.innerHTML;
    keepOpen.forEach(function (id) {
      var details = id && document.getElementById(id);
      if (details) {
        details.open = true;
      }
    });
    var focused = focusedId && document.getElementById(focusedId);
    if (focused) {
      focused.focus();
    }
  }

  function say(text) {
    // A change of text in a live region that was already on the page is what screen readers announce.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function serverMessage(doc) {
    var message = doc.querySelector(".messages .message");
    return message ? message.textContent.trim() : "";
  }

  function pageMessagesRemove() {
    // Last save's confirmation, shown above the page after a reload, would now be out of date.
    var old = document.querySelector("main > .messages");
    if (old) {
      old.parentNode.removeChild(old);
    }
  }

  form.addEventListener("change", showDirty);
  form.addEventListener("input", showDirty);

  window.addEventListener("beforeunload", function (event) {
    if (!saving && isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saving) {
      return;
    }
    saving = true;
    say(form.getAttribute("data-saving-text"));
    var keepOpen = openDetails();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          return { ok: response.ok, html: html };
        });
      })
      .then(function (answer) {
        var doc = new DOMParser().parseFromString(answer.html, "text/html");
        var fresh = doc.getElementById("topics-grid");
        if (!fresh) {
          throw new Error("no form in the answer");  // signed out, an error page: say it failed
        }
        pageMessagesRemove();
        replaceGrid(fresh, keepOpen);
        if (answer.ok) {
          saved = snapshot();
          say(serverMessage(doc));
        } else {
          say(form.getAttribute("data-invalid-text"));
          var summary = grid.querySelector(".error-summary");
          if (summary) {
            summary.focus();
          }
        }
        showDirty();
      })
      .catch(function () {
        say(form.getAttribute("data-failed-text"));
      })
      .then(function () {
        saving = false;
      });
  });
})();
