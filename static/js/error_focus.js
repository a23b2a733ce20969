/* After a check-in that did not go through, move focus to the error summary:
   a screen reader then reads what to fix, and a patient who scrolled down to
   the button is not left wondering why nothing happened. The summary has
   tabindex="-1" so it can take focus; the page works the same without this. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  summary.scrollIntoView({ block: "start" });
})();
