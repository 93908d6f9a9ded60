// Focus group screens (presenter and phones). No inline script: the Content-Security-Policy
// forbids it. Polling containers carry data-etag; we send it as If-None-Match so the server
// can answer 304 without rendering, and a 304 never swaps.
(function () {
  "use strict";

  function isField(el) {
    return el && el.matches && el.matches("input, textarea, select, [contenteditable]");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (elt && elt.dataset && elt.dataset.etag && event.detail.verb === "get") {
      event.detail.headers["If-None-Match"] = '"' + elt.dataset.etag + '"';
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    if (detail.xhr.status === 304) {
      detail.shouldSwap = false;
      return;
    }
    // A poll never replaces a form someone is typing in; the next poll catches up.
    const target = detail.target;
    const poll = detail.requestConfig && detail.requestConfig.verb === "get";
    if (poll && target && target.contains(document.activeElement) && isField(document.activeElement)) {
      detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    const tag = event.detail.xhr && event.detail.xhr.getResponseHeader("ETag");
    if (target && target.dataset && "etag" in target.dataset && tag) {
      target.dataset.etag = tag.replace(/^W\//, "").replace(/"/g, "");
    }
  });

  // The timer counts down in the browser between polls, from what the server said.
  function pad(n) {
    return String(n).padStart(2, "0");
  }
  function tick() {
    document.querySelectorAll("[data-timer]").forEach(function (el) {
      if (!el.dataset.loadedAt) el.dataset.loadedAt = String(Date.now());
      const running = el.dataset.running === "1";
      const passed = running ? Math.floor((Date.now() - Number(el.dataset.loadedAt)) / 1000) : 0;
      const left = Number(el.dataset.remaining) - passed;
      const abs = Math.abs(left);
      el.textContent = (left < 0 ? "+" : "") + Math.floor(abs / 60) + ":" + pad(abs % 60);
      el.classList.toggle("is-over", left < 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", tick);

  // Keyboard on the presenter screen: arrows step, space starts or pauses the timer.
  document.addEventListener("keydown", function (event) {
    if (!document.body.classList.contains("presenter")) return;
    if (isField(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    const key = { ArrowRight: "next", ArrowLeft: "prev", " ": "timer" }[event.key];
    if (!key) return;
    const button = document.querySelector('[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
