// The live reading view: classmates' new highlights and replies, painted without a reload.
//
// Every few seconds (#live's data-seconds), while the tab is visible, asks #live's
// data-url what is new since the page's token (annotations/live.py). Nothing new: 304,
// no body. News: the paragraphs with new marks, each replacing its old self (htmx, out of
// band), and a sentence for the polite live region. The text never moves under the
// reader: the first paragraph in view stays where it was. While the reader is selecting
// text, the news waits for the next poll. Without JavaScript the page is as it was loaded.
(function () {
  "use strict";

  const live = document.getElementById("live");
  const text = document.getElementById("reading-text");
  if (!live || !text || !window.fetch || !window.htmx) return;
  let since = live.dataset.since;
  let busy = false;
  let timer = null;

  function selecting() {
    const selection = window.getSelection();
    return Boolean(selection && !selection.isCollapsed && text.contains(selection.anchorNode));
  }

  // The first paragraph whose bottom is in view, and how far from the top it is.
  function place() {
    for (const paragraph of text.querySelectorAll(".para")) {
      const box = paragraph.getBoundingClientRect();
      if (box.bottom > 0) return { id: paragraph.id, top: box.top };
    }
    return null;
  }

  function paint(html) {
    const before = place();
    const focused = document.activeElement && text.contains(document.activeElement)
      ? document.activeElement.id : "";
    htmx.swap(live, html, { swapStyle: "none" });
    const after = before && document.getElementById(before.id);
    if (after) window.scrollBy(0, after.getBoundingClientRect().top - before.top);
    if (focused && document.getElementById(focused)) {
      document.getElementById(focused).focus({ preventScroll: true });
    }
  }

  function stop() {
    window.clearInterval(timer);
  }

  function poll() {
    if (busy || document.visibilityState !== "visible" || selecting()) return;
    busy = true;
    const url = new URL(live.dataset.url, window.location.href);
    url.searchParams.set("since", since);
    fetch(url, { cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        // Logged out (a redirect to the log-in page), or a page gone: stop asking.
        if (response.type === "opaqueredirect" || (response.status >= 400 && response.status < 500)) {
          stop();
          return null;
        }
        if (response.status !== 200 && response.status !== 304) return null;
        const next = response.headers.get("Live-Since");
        if (response.status === 304) {
          if (next) since = next;
          return null;
        }
        return response.text().then(function (html) {
          paint(html);
          if (next) since = next;
        });
      })
      .catch(function () {}) // offline for a moment: the next poll asks again
      .finally(function () {
        busy = false;
      });
  }

  timer = window.setInterval(poll, (Number(live.dataset.seconds) || 15) * 1000);
  // Back to a tab left for a while: ask at once rather than at the next tick.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll();
  });
})();
