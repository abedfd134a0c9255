// Turns a text selection in the reading view into a "Highlight" request; htmx does the rest.
//
// The server counts offsets in Unicode code points of the document's text; the DOM counts
// UTF-16 units, so lengths are converted. Each paragraph carries data-start, its offset in
// the text; inside it, text nodes count as their characters and a <br> as one "\n".
(function () {
  "use strict";

  const form = document.getElementById("selection-form");
  if (!form) return;
  const button = form.querySelector("button");
  const CONTEXT = 32;

  function codePoints(text) {
    let count = text.length;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff) count--; // a surrogate pair is one code point
    }
    return count;
  }

  function lastCodePoints(text, n) {
    return Array.from(text).slice(-n).join("");
  }

  // The current selection as {start, end, exact, prefix, suffix}, or null if it is not
  // a selection of the reading text.
  function selectedQuote() {
    const root = document.getElementById("reading-text");
    const selection = window.getSelection();
    if (!root || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return null;

    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT, {
      acceptNode(node) {
        const wanted = node.nodeType === Node.TEXT_NODE || node.nodeName === "BR" ||
          node.classList.contains("para");
        return wanted ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      },
    });
    let offset = 0;
    let paragraph = null;
    let start = null;
    let end = null;
    let exact = "";
    let before = "";
    let after = "";
    let lastParagraph = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.ELEMENT_NODE && node.classList.contains("para")) {
        paragraph = node;
        offset = Number(node.dataset.start);
        if (start === null) before += "\n\n";
        else if (end !== null && after.length < CONTEXT) after += "\n\n";
        continue;
      }
      const data = node.nodeType === Node.TEXT_NODE ? node.data : "\n";
      let from = 0;
      let to = data.length;
      if (range.intersectsNode(node)) {
        if (node === range.startContainer) from = range.startOffset;
        if (node === range.endContainer) to = range.endOffset;
      } else {
        from = to; // outside the selection
      }
      if (from < to) {
        if (start === null) {
          start = offset + codePoints(data.slice(0, from));
          before += data.slice(0, from);
        } else if (lastParagraph !== paragraph) {
          exact += "\n\n";
        }
        exact += data.slice(from, to);
        end = offset + codePoints(data.slice(0, to));
        lastParagraph = paragraph;
        after = data.slice(to);
      } else if (start === null) {
        before = (before + data).slice(-4 * CONTEXT);
      } else if (after.length < CONTEXT) {
        after += data;
      }
      offset += codePoints(data);
    }
    if (start === null || !exact.trim()) return null;
    return {
      start: start,
      end: end,
      exact: exact,
      prefix: lastCodePoints(before, CONTEXT),
      suffix: Array.from(after).slice(0, CONTEXT).join(""),
    };
  }

  function place(range) {
    const rects = range.getClientRects();
    const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    const width = form.offsetWidth || 110;
    const left = Math.min(rect.right + window.scrollX - width / 2,
      document.documentElement.clientWidth + window.scrollX - width - 8);
    form.style.left = Math.max(8, left) + "px";
    form.style.top = rect.bottom + window.scrollY + 8 + "px";
  }

  let current = null;

  function update() {
    const quote = selectedQuote();
    if (!quote) {
      if (document.activeElement !== button) form.hidden = true;
      current = null;
      return;
    }
    if (!current || current.exact !== quote.exact || current.start !== quote.start) {
      // A new selection, a new key: the editor posts it with the highlight, and a save
      // retried after a lost answer (the same key) finds the first instead of a twin.
      form.elements.client_key.value = window.crypto.randomUUID ? window.crypto.randomUUID() : "";
    }
    current = quote;
    for (const name of ["start", "end", "exact", "prefix", "suffix"]) {
      form.elements[name].value = quote[name];
    }
    form.hidden = false;
    place(window.getSelection().getRangeAt(0));
  }

  let pending = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 120);
  });
  document.addEventListener("pointerup", function (event) {
    if (!form.contains(event.target)) setTimeout(update, 0);
  });

  // Keyboard: with text selected (Shift+arrows, caret browsing), H opens the editor.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "h" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    update();
    if (!current) return;
    event.preventDefault();
    form.requestSubmit();
  });

  form.addEventListener("htmx:afterRequest", function () {
    form.hidden = true;
  });

  // After the side panel is replaced, move focus there: the editor's Note, or the heading.
  // Smaller swaps inside it (tag suggestions) leave focus where the reader is typing.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const panel = document.getElementById("panel");
    if (!panel || event.detail.elt !== panel) return;
    // In order of preference: a field to correct, the note to write, the heading, a card.
    const target = ["[aria-invalid='true']", "#id_note", "#panel-heading", ".card"]
      .map((selector) => panel.querySelector(selector))
      .find(Boolean);
    if (target) {
      target.focus({ preventScroll: true });
      // Open as a sheet over the text (panel.js, narrow screens), it is in view already.
      if (getComputedStyle(panel).position !== "fixed") panel.scrollIntoView({ block: "nearest" });
    }
  });

  // Clicking a painted passage shows the highlights under it in the panel.
  document.addEventListener("click", function (event) {
    const mark = event.target.closest("#reading-text mark.hl");
    if (!mark || !window.getSelection().isCollapsed) return;
    const root = document.getElementById("reading-text");
    const url = root.dataset.cardsUrl + "?at=" + mark.dataset.s;
    htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" });
  });

  // Jump links: flash the passage they land on, from its anchor to its end.
  function flash(id) {
    const anchor = document.getElementById("h-" + id);
    if (!anchor) return;
    const end = Number(anchor.dataset.end);
    let started = false;
    for (const mark of document.querySelectorAll("#reading-text mark")) {
      started = started || Boolean(anchor.compareDocumentPosition(mark) & Node.DOCUMENT_POSITION_FOLLOWING);
      if (!started) continue;
      if (Number(mark.dataset.s) >= end) break;
      mark.classList.remove("flash");
      void mark.offsetWidth; // restart the animation
      mark.classList.add("flash");
    }
  }
  window.addEventListener("hashchange", function () {
    const match = /^#h-(\d+)$/.exec(location.hash);
    if (match) flash(match[1]);
  });
})();
