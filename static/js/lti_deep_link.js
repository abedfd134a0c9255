// Deep linking's last step: post the signed link back to the LMS at once (the form and its
// "Continue" button do the same without JavaScript; templates/lti/deep_link_return.html).
(function () {
  "use strict";
  var form = document.getElementById("lti-deep-link-return");
  if (form) {
    form.submit();
  }
})();
