// The browser's time zone, for the first log-in: fills the hidden "time_zone" field of
// the log-in and sign-up forms (the server keeps it only if the account has none yet).
// Without JavaScript the field stays empty and times are shown in the site's zone.
(function () {
  "use strict";
  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }
  function fill(root) {
    var zone = browserZone();
    root.querySelectorAll('input[type="hidden"][name="time_zone"]').forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  // A form that htmx swapped in again (a sign-up sent back to correct) is filled as it is sent.
  document.addEventListener("submit", function (event) { fill(event.target); }, true);
})();
