// Progressive enhancement only: while the asker types, show similar questions from
// /api/v1/questions/similar. Without this script the "Visa liknande frågor" button does it.
(function () {
  "use strict";
  var title = document.querySelector("[data-similar=title]");
  var body = document.querySelector("[data-similar=body]");
  var out = document.getElementById("similar-results");
  if (!title || !body || !out || !window.fetch) { return; }
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
    var url = "/api/v1/questions/similar?title=" + encodeURIComponent(title.value) +
      "&body=" + encodeURIComponent(body.value.slice(0, 2000));
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (hits) { if (hits) { last = q; render(hits); } })
      .catch(function () { /* the button still works */ });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(look, 600); }
  title.addEventListener("input", soon);
  body.addEventListener("input", soon);
}());
