// kefu — live order pages. An element with data-live-order listens on its websocket and, when the
// server says the order changed, refetches its timeline partial with htmx. No build step, no library
// besides htmx (from django-htmx). The element's data-live attribute says "connected" or "closed".
(function () {
  "use strict";

  function watch(el) {
    var path = el.getAttribute("data-ws-path");
    var url = el.getAttribute("data-timeline-url");
    if (!path || !url || !("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 1000;
    var failures = 0;

    function refresh() {
      if (window.htmx) window.htmx.ajax("GET", url, "#" + el.id);
    }

    function connect() {
      var opened = false;
      var socket = new WebSocket(scheme + window.location.host + path);
      socket.onopen = function () {
        opened = true;
        el.setAttribute("data-live", "connected");
        delay = 1000;
        failures = 0;
      };
      socket.onmessage = function (message) {
        var data;
        try { data = JSON.parse(message.data); } catch (e) { return; }
        if (data && data.type === "order.changed") refresh();
      };
      socket.onclose = function () {
        el.setAttribute("data-live", "closed");
        // Refused (not allowed) or no websocket server: give up after a few tries; the page still
        // has its Refresh button. A dropped connection reconnects with back-off and catches up.
        failures = opened ? 0 : failures + 1;
        if (failures >= 3) return;
        if (opened) refresh();
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }

    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.querySelectorAll("[data-live-order]");
    for (var i = 0; i < live.length; i++) watch(live[i]);
  });
})();
