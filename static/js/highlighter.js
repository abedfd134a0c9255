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
    // Closed again before htmx settled (Esc pressed at once, panel.js): focus and scroll
    // stay where closing put them, not on a panel that is back below the text.
    if (!panel.classList.contains("sheet")) return;
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

  // After a save, the server answers with the new highlight's card and sends where it
  // placed it ("highlight-saved", annotations/views/highlights.py): its mark is painted
  // here on the text the page has, exactly as annotations/segments.py paints marks: flat
  // <mark>s, one a piece of text that the same highlights cover, cut wherever a highlight
  // or a glossary name begins or ends (a name cut in two is two links, its id on the
  // first); a piece says whose highlights cover it (hl-own, hl-shared, hl-hidden for only
  // others' hidden from the class), how many (data-depth, at most 3) and where it starts
  // (data-s); an empty <span id="h-N"> before the highlight's first piece is its target.
  function utf16Index(text, points) {
    let index = 0;
    for (let i = 0; i < points && index < text.length; i++) {
      const unit = text.charCodeAt(index);
      index += unit >= 0xd800 && unit <= 0xdbff ? 2 : 1;
    }
    return index;
  }

  function lengthOf(node) {
    if (node.nodeType === Node.TEXT_NODE) return codePoints(node.data);
    if (node.nodeName === "BR") return 1;
    let length = 0;
    for (const child of node.childNodes) length += lengthOf(child);
    return length;
  }

  // The paragraph's text nodes and <br>s, each with the offset where it starts.
  function leaves(paragraph) {
    const found = [];
    let offset = Number(paragraph.dataset.start);
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT, {
      acceptNode(node) {
        const wanted = node.nodeType === Node.TEXT_NODE || node.nodeName === "BR";
        return wanted ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      },
    });
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      found.push({ node: node, start: offset });
      offset += lengthOf(node);
    }
    return { leaves: found, end: offset };
  }

  // Cut the paragraph at `offset`: the text, glossary link and mark around it become two
  // each. Returns the paragraph's child that starts there (null at its end).
  function cutAt(paragraph, offset) {
    let right = null;
    for (const leaf of leaves(paragraph).leaves) {
      const end = leaf.start + lengthOf(leaf.node);
      if (end <= offset) continue;
      right = leaf.start < offset
        ? leaf.node.splitText(utf16Index(leaf.node.data, offset - leaf.start))
        : leaf.node;
      break;
    }
    while (right && right.parentNode !== paragraph) {
      const parent = right.parentNode;
      if (right !== parent.firstChild) {
        const twin = parent.cloneNode(false);
        twin.removeAttribute("id"); // a name's target (m-N) stays on its first piece
        if (twin.nodeName === "MARK") twin.dataset.s = offset;
        while (right) {
          const next = right.nextSibling;
          twin.appendChild(right);
          right = next;
        }
        parent.after(twin);
        right = twin;
      } else {
        right = parent;
      }
    }
    return right;
  }

  function newMark(offset) {
    const mark = document.createElement("mark");
    mark.className = "hl hl-own";
    mark.dataset.s = offset;
    mark.dataset.depth = 1;
    return mark;
  }

  // One of the viewer's own highlights from `start` to `end` (code points), id `id`.
  function paintMark(id, start, end) {
    const paragraphs = Array.from(document.querySelectorAll("#reading-text .para"));
    let first = null;
    paragraphs.forEach(function (paragraph, index) {
      const from = Number(paragraph.dataset.start);
      const next = paragraphs[index + 1];
      if (from >= end || (next && Number(next.dataset.start) <= start)) return;
      const low = Math.max(start, from);
      const high = Math.min(end, leaves(paragraph).end);
      if (low >= high) return;
      cutAt(paragraph, high);
      let child = cutAt(paragraph, low);
      let offset = low;
      let run = null; // the new mark of a piece no highlight covered yet
      while (child && offset < high) {
        const following = child.nextSibling;
        const length = lengthOf(child);
        if (child.nodeName === "MARK") {
          child.className = child.classList.contains("hl-shared") ? "hl hl-own hl-shared" : "hl hl-own";
          child.dataset.depth = Math.min(Number(child.dataset.depth) + 1, 3);
          first = first || child;
          run = null;
        } else if (length) {
          if (!run || child.nodeName === "A") {
            run = newMark(offset);
            child.before(run);
            first = first || run;
          }
          run.appendChild(child);
          if (child.nodeName === "A") run = null; // a name is a piece of its own
        } else {
          run = null; // another highlight's target, before its mark
        }
        offset += length;
        child = following;
      }
    });
    if (!first) return;
    const target = document.createElement("span");
    target.id = "h-" + id;
    target.dataset.end = end;
    first.before(target);
  }

  // The new highlight's item, added at the end of My highlights, moved to its place in
  // the text (by start, then by id, as the server lists them); the count follows.
  function placeItem(id) {
    const item = document.getElementById("mine-" + id);
    if (!item) return;
    const list = item.parentNode;
    const key = (li) => [Number(li.dataset.start), Number(li.id.slice("mine-".length))];
    const [start] = key(item);
    const later = Array.from(list.children).find(function (li) {
      const [otherStart, otherId] = key(li);
      return li !== item && (otherStart > start || (otherStart === start && otherId > id));
    });
    if (later) list.insertBefore(item, later);
    list.hidden = false;
    const none = document.getElementById("my-highlights-none");
    if (none) none.remove();
    const count = document.getElementById("my-highlights-count");
    if (count) count.textContent = list.children.length;
  }

  document.body.addEventListener("highlight-saved", function (event) {
    const saved = event.detail;
    paintMark(saved.id, saved.start, saved.end);
    placeItem(saved.id);
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
