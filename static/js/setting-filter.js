/*
 * The console's setting picker: a text filter over the grouped list (progressive enhancement:
 * without JavaScript the filter stays hidden and the grouped list works alone). Matching ignores
 * case and accents and looks at the group (the topic) and the option (channel or setting, and its
 * value). The live region says how many settings are left; its words come from the page.
 */
(function () {
  "use strict";

  var field = document.getElementById("setting-filter-field");
  var input = document.getElementById("setting-filter");
  var count = document.getElementById("setting-filter-count");
  var select = input && document.getElementById(input.getAttribute("data-filter-target"));
  if (!field || !input || !count || !select) {
    return;
  }

  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function filter() {
    var words = plain(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    var firstShown = null;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var groupText = plain(group.label);
      var groupShown = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var text = groupText + " " + plain(option.textContent);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) {
          groupShown += 1;
          firstShown = firstShown || option;
        }
      });
      group.hidden = groupShown === 0;
      shown += groupShown;
    });
    if (select.selectedOptions.length && select.selectedOptions[0].hidden) {
      select.selectedIndex = -1;
    }
    if (firstShown && select.selectedIndex === -1) {
      firstShown.selected = true;
    }
    count.textContent = words.length === 0 ? "" :
      shown === 0 ? count.getAttribute("data-none") :
      shown === 1 ? count.getAttribute("data-one") : count.getAttribute("data-some").replace("{count}", shown);
  }

  field.hidden = false;
  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {  // Enter in the filter picks the first match rather than sending an empty choice
      event.preventDefault();
      select.focus();
    }
  });
})();
