// The LTI login inside the LMS's frame: carry on at once when the browser keeps our
// cookies here; otherwise say so, and leave "Open in a new window" (templates/lti/login.html).
(function () {
  "use strict";
  var page = document.getElementById("lti-login");
  if (!page) {
    return;
  }
  var secure = window.location.protocol === "https:";
  var test = "lti1p3_test_cookie=1; path=/" + (secure ? "; SameSite=None; Secure" : "");
  document.cookie = test;
  if (document.cookie.indexOf("lti1p3_test_cookie") !== -1) {
    document.cookie = "lti1p3_test_cookie=1; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT";
    window.location.replace(page.dataset.continue);
  } else {
    document.getElementById("lti-cookies-blocked").hidden = false;
    document.getElementById("lti-continue").hidden = true;
  }
})();
