// The questionnaire's saves. A tap is kept on this device at once (sessionStorage, so a tab
// that is reloaded or restored after a crash still has it) and sent with the taps that follow
// it, at most data-save-within seconds after it was given: one request for a few taps instead
// of one per tap. "Next" and "Back" post the whole step (htmx, hx-post on the form); hiding
// the page (switching apps, closing the tab, locking the phone) sends what is waiting at once
// with sendBeacon, which the browser delivers even as the page goes away. The server merges
// every save into the same sealed draft, so another device resumes where this one was.
//
// Loaded once per page (in <head>); htmx swaps each next step into <main>, so every listener
// is on the document and every lookup is made again after a swap.
(function () {
  "use strict";

  var timer = null;

  function form() {
    return document.querySelector("form[data-save-within]");
  }

  function storageKey(f) {
    return "dialoog-pending-" + f.dataset.pendingKey;
  }

  function readPending(f) {
    try {
      return JSON.parse(sessionStorage.getItem(storageKey(f)) || "{}");
    } catch (e) {
      return {};
    }
  }

  function writePending(f, pending) {
    try {
      if (Object.keys(pending).length) {
        sessionStorage.setItem(storageKey(f), JSON.stringify(pending));
      } else {
        sessionStorage.removeItem(storageKey(f));
      }
    } catch (e) {
      // Private mode without storage: the taps still wait in this page until they are sent.
    }
  }

  function token(f) {
    var input = f.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function body(f, pending) {
    var data = new URLSearchParams();
    data.append("csrfmiddlewaretoken", token(f));
    data.append("go", "save");
    Object.keys(pending).forEach(function (name) {
      data.append(name, pending[name]);
    });
    return data;
  }

  function status(html, text) {
    var line = document.getElementById("save-status");
    if (!line) return;
    if (html) {
      line.outerHTML = html;
    } else {
      line.textContent = text;
    }
  }

  function schedule(f) {
    if (timer === null) {
      timer = setTimeout(function () {
        timer = null;
        flush();
      }, Number(f.dataset.saveWithin) * 1000);
    }
  }

  function flush() {
    var f = form();
    if (!f) return;
    var pending = readPending(f);
    if (!Object.keys(pending).length) return;
    fetch(f.getAttribute("action"), {
      method: "POST",
      body: body(f, pending),
      headers: { "HX-Request": "true", "X-CSRFToken": token(f) },
      credentials: "same-origin",
      keepalive: true,
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        // Forget only what was sent and not changed since: a tap given while this save was
        // under way waits for the next one.
        var now = readPending(f);
        Object.keys(pending).forEach(function (name) {
          if (now[name] === pending[name]) delete now[name];
        });
        writePending(f, now);
        status(html);
        if (Object.keys(now).length) schedule(f);
      })
      .catch(function () {
        status(null, f.dataset.offline);
        schedule(f);
      });
  }

  function keep(event) {
    var f = form();
    var field = event.target;
    if (!f || !f.contains(field) || !field.name) return;
    if (!/^(item|open)-/.test(field.name)) return;
    var pending = readPending(f);
    pending[field.name] = field.value;
    writePending(f, pending);
    status(null, f.dataset.saving);
    schedule(f);
  }

  function sendNow() {
    var f = form();
    if (!f) return;
    var pending = readPending(f);
    if (!Object.keys(pending).length) return;
    if (navigator.sendBeacon && navigator.sendBeacon(f.getAttribute("action"), body(f, pending))) {
      return;
    }
    flush();
  }

  // Taps kept by a page that did not get to send them (a reload, a tab restored after the
  // browser was killed) are shown again and sent.
  function restore() {
    if (document.querySelector("[data-answers-sent]")) {
      // Sent: nothing of this questionnaire needs to stay on the device.
      Object.keys(sessionStorage)
        .filter(function (key) {
          return key.indexOf("dialoog-pending-") === 0;
        })
        .forEach(function (key) {
          sessionStorage.removeItem(key);
        });
      return;
    }
    var f = form();
    if (!f) return;
    var pending = readPending(f);
    Object.keys(pending).forEach(function (name) {
      f.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach(function (field) {
        if (field.type === "radio") {
          field.checked = field.value === pending[name];
        } else {
          field.value = pending[name];
        }
      });
    });
    if (Object.keys(pending).length) flush();
  }

  document.addEventListener("change", keep);
  document.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA") keep(event);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") sendNow();
  });
  window.addEventListener("pagehide", sendNow);
  // "Next" and "Back" post every field of the step: what waited goes with them.
  document.addEventListener("htmx:afterRequest", function (event) {
    var f = event.detail.elt;
    if (f && f.matches && f.matches("form[data-save-within]") && event.detail.successful) {
      writePending(f, {});
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var f = event.detail.elt;
    if (f && f.matches && f.matches("form[data-save-within]") && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  });
  document.addEventListener("htmx:afterSettle", restore);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
