// Herald admin panel, inside Telegram as a Mini App: Telegram passes the signed initData in the
// page's fragment (#tgWebAppData=…); post it to the server, which checks its signature and that the
// user is an admin, then show the panel. Outside Telegram this does nothing. No external script.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.hash.slice(1));
  var initData = params.get("tgWebAppData");
  if (!initData) { return; }
  var script = document.currentScript || document.querySelector("script[data-webapp]");
  var note = document.querySelector("#signin .miniapp");
  if (note) { note.hidden = false; }
  var body = new URLSearchParams();
  body.set("init_data", initData);
  fetch(script.getAttribute("data-webapp"), { method: "POST", body: body, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      if (answer.ok) { window.location.replace(answer.next); }
      else if (note) { note.textContent = answer.error; }
    })
    .catch(function () { if (note) { note.hidden = true; } });
})();
