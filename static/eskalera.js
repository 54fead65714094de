// Progressive enhancement only: while the asker types, show similar questions from
// /api/v1/questions/similar. Without this script the "Visa liknande frågor" button does it.
// The draft goes in a POST body, never in a URL (URLs end up in logs and proxies), with the
// form's CSRF token in X-CSRF-Token so that the session cookie is accepted.
(function () {
  "use strict";
  var title = document.querySelector("[data-similar=title]");
  var body = document.querySelector("[data-similar=body]");
  var out = document.getElementById("similar-results");
  var csrf = title && title.form && title.form.querySelector("input[name=csrf]");
  if (!title || !body || !out || !csrf || !window.fetch) { return; }
  var timer = null;
  var last = "";
  function render(hits) {
    out.textContent = "";
    var p = document.createElement("p");
    if (!hits.length) { p.textContent = "Inga liknande frågor hittades."; out.appendChild(p); return; }
    p.textContent = "Kanske har någon redan frågat samma sak:";
    out.appendChild(p);
    var ul = document.createElement("ul");
    ul.className = "similar-list";
    hits.slice(0, 8).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/fragor/" + encodeURIComponent(h.id);
      a.textContent = h.title;
      var span = document.createElement("span");
      span.className = "muted";
      span.textContent = " " + h.reference;
      li.appendChild(a);
      li.appendChild(span);
      ul.appendChild(li);
    });
    out.appendChild(ul);
  }
  function look() {
    var q = title.value.trim() + "\n" + body.value.trim();
    if (q.trim().length < 8 || q === last) { return; }
    fetch("/api/v1/questions/similar", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRF-Token": csrf.value
      },
      body: JSON.stringify({ title: title.value, body: body.value.slice(0, 2000) })
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (hits) { if (hits) { last = q; render(hits); } })
      .catch(function () { /* the button still works */ });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(look, 600); }
  title.addEventListener("input", soon);
  body.addEventListener("input", soon);
}());
