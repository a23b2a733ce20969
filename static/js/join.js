/* The invitation link is /join/#code=XXXX: the part after "#" never leaves the
   phone, so the code stays out of the server's and proxies' access logs. Put it
   into the form and drop it from the address bar and the history. */
(function () {
  "use strict";
  var match = /(?:^#|&)code=([A-Za-z0-9]{1,16})/.exec(window.location.hash);
  var field = document.getElementById("id_code");
  if (!match || !field) return;
  if (!field.value) field.value = match[1].toUpperCase();
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
