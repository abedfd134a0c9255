// LTI Dynamic Registration 3.6.3: tell the LMS that opened this page (as a window or in
// a frame) that the registration is done, so that it closes the page and reloads its
// list of tools. The message carries nothing secret, hence any origin.
(function () {
  "use strict";
  var lms = window.opener || (window.parent !== window ? window.parent : null);
  if (lms) {
    lms.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
