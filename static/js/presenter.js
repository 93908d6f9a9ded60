// Focus group screens (presenter and phones). No inline script: the Content-Security-Policy
// forbids it. Polling containers carry data-etag; we send it as If-None-Match so the server
// can answer 304 without rendering, and a 304 never swaps.
(function () {
  "use strict";

  function isField(el) {
    return el && el.matches && el.matches("input, textarea, select, [contenteditable]");
  }

  function isPoll(elt, verb) {
    return verb === "get" && elt && elt.dataset && "etag" in elt.dataset;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const detail = event.detail;
    if (isPoll(detail.elt, detail.verb) && detail.elt.dataset.etag) {
      detail.headers["If-None-Match"] = '"' + detail.elt.dataset.etag + '"';
    }
  });

  // A poll that was on its way while this screen sent something (a step, an answer) may have
  // been answered from the state before it, yet arrive after the answer to what was sent; it
  // would put the old state back, under a tag that keeps it there. So a poll sent while a post
  // was in flight, or overtaken by one, is not shown; the next poll catches up.
  let posts = 0;
  let inFlight = 0;

  document.addEventListener("htmx:beforeRequest", function (event) {
    const config = event.detail.requestConfig;
    if (!config) return;
    if (isPoll(event.detail.elt || config.elt, config.verb)) {
      config.postsBefore = posts;
      config.postInFlight = inFlight > 0;
    } else if (config.verb !== "get") {
      posts += 1;
      inFlight += 1;
      config.counted = true;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const config = event.detail.requestConfig;
    if (config && config.counted) {
      config.counted = false;
      inFlight -= 1;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    if (detail.xhr.status === 304) {
      detail.shouldSwap = false;
      return;
    }
    const config = detail.requestConfig;
    const poll = config && "postsBefore" in config;
    if (poll && (config.postInFlight || config.postsBefore !== posts)) {
      detail.shouldSwap = false;
      return;
    }
    // A poll never replaces a form someone is typing in; the next poll catches up.
    const target = detail.target;
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
  // The presenter screens load this script without defer, so this listener is there before
  // anything shows: a key pressed the moment the screen appears is not lost. Until htmx has
  // set up the forms (it starts on DOMContentLoaded, after its deferred script), a press
  // waits, so it is sent once, through htmx, like any later press.
  let ready = document.readyState === "complete";
  const waiting = [];
  function press(key) {
    const button = document.querySelector('[data-key="' + key + '"]');
    if (button) button.click();
    return Boolean(button);
  }
  document.addEventListener("DOMContentLoaded", function () {
    setTimeout(function () {
      // After htmx's own DOMContentLoaded handler.
      ready = true;
      waiting.splice(0).forEach(press);
    }, 0);
  });
  document.addEventListener("keydown", function (event) {
    if (!document.body || !document.body.classList.contains("presenter")) return;
    if (isField(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    const key = { ArrowRight: "next", ArrowLeft: "prev", " ": "timer" }[event.key];
    if (!key) return;
    if (!ready) {
      event.preventDefault();
      waiting.push(key);
    } else if (press(key)) {
      event.preventDefault();
    }
  });
})();
