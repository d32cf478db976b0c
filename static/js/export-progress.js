/*
 * The "download my data" page follows the preparation of an export by itself (progressive
 * enhancement: without JavaScript the page says to refresh it, and a plain link does).
 * Each row still in progress names its status URL (data-export-status); the answer carries its
 * words in the customer's language, so this file holds none. When an export is finished, the block
 * of exports is read again from the page itself (the same HTML as without JavaScript) and the
 * live region tells screen readers what happened.
 */
(function () {
  "use strict";

  var FIRST_DELAY = 1500;
  var MAX_DELAY = 10000;
  var block = document.getElementById("data-exports-block");
  var announce = document.getElementById("data-exports-announce");
  if (!block || !announce || !window.fetch || !window.DOMParser) {
    return;
  }

  function rows() {
    return block.querySelectorAll("tr[data-export-status]");
  }

  function saySelfUpdating() {
    var note = block.querySelector("[data-export-refresh][data-updating-text]");
    if (note) {
      note.textContent = note.getAttribute("data-updating-text");
    }
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error("status " + response.status);
      }
      return response.json();
    });
  }

  function showProgress(row, answer) {
    var bar = row.querySelector("progress");
    var label = row.querySelector("[data-export-status-label]");
    var help = row.querySelector("[data-export-progress-label]");
    if (bar) {
      bar.value = answer.progress;
      bar.textContent = answer.progress_label;  // "40% done", "Avancement : 40 %"
    }
    if (label) {
      label.textContent = answer.status_label;
    }
    if (help) {
      help.textContent = answer.progress_label;
    }
  }

  function reloadBlock(message) {
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("data-exports-block");
        if (fresh) {
          block.innerHTML = fresh.innerHTML;
          saySelfUpdating();
        }
        announce.textContent = message;
      });
  }

  function poll(delay) {
    var pending = Array.prototype.slice.call(rows());
    if (!pending.length) {
      return;
    }
    window.setTimeout(function () {
      Promise.all(
        pending.map(function (row) {
          return getJson(row.getAttribute("data-export-status")).then(function (answer) {
            showProgress(row, answer);
            return answer;
          });
        })
      )
        .then(function (answers) {
          var finished = answers.filter(function (answer) {
            return !answer.in_progress;
          });
          if (finished.length) {
            return reloadBlock(finished[finished.length - 1].message).then(function () {
              poll(FIRST_DELAY);
            });
          }
          poll(Math.min(delay * 1.5, MAX_DELAY));
        })
        .catch(function () {
          // Signed out, offline, the server down: stop and leave the refresh link to the reader.
        });
    }, delay);
  }

  saySelfUpdating();
  poll(FIRST_DELAY);
})();
