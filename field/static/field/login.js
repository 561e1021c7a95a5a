// Remember the user name on this phone (never the password).
(function () {
  "use strict";
  var input = document.getElementById("id_username");
  var form = document.getElementById("login-form");
  try {
    if (input && !input.value) input.value = localStorage.getItem("field.username") || "";
    form.addEventListener("submit", function () {
      localStorage.setItem("field.username", input.value.trim());
    });
  } catch (e) { /* private mode: nothing remembered */ }
})();
