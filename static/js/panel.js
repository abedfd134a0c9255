// The side panel of the reading view (#panel), where the editor and highlights' cards open.
//
// Once something opens in it, it is "open": a Close button heads it, and Esc or that button
// closes it, returning focus and scroll to where the reader was. On a narrow screen, where
// the panel would sit below the whole text, the open panel is a bottom sheet over the text
// (reader.css, .panel.sheet), so a tap never sends the reader thousands of pixels away.
// Without JavaScript nothing here runs, and the panel is a plain part of the page.
(function () {
  "use strict";

  const panel = document.getElementById("panel");
  if (!panel) return;
  // What the panel shows before anything opens, to show again when it closes.
  const start = Array.from(panel.childNodes, (node) => node.cloneNode(true));
  let place = null; // where the reader was when the panel opened: {x, y, focus, paragraph id}
  let paragraph = null; // the paragraph the reader last selected in or tapped

  function paragraphOf(node) {
    const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return element ? element.closest("#reading-text .para") : null;
  }
  document.addEventListener("selectionchange", function () {
    const selection = window.getSelection();
    const found = selection && selection.rangeCount ? paragraphOf(selection.anchorNode) : null;
    if (found) paragraph = found;
  });
  document.addEventListener("click", function (event) {
    paragraph = paragraphOf(event.target) || paragraph;
  }, true);

  // A request for the panel, made while it is closed: remember where the reader is.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target !== panel || place) return;
    place = {
      x: window.scrollX,
      y: window.scrollY,
      focus: document.activeElement,
      paragraph: paragraph && paragraph.id, // by id: a save paints the paragraph anew
    };
  });

  // Its answer swapped in: the panel is open (the focus moves in, highlighter.js).
  panel.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== panel) return;
    if (!place) place = { x: window.scrollX, y: window.scrollY, focus: null, paragraph: null };
    panel.classList.add("sheet");
    if (!panel.querySelector(".sheet-close")) {
      const close = document.createElement("button");
      close.type = "button";
      close.className = "sheet-close button button-secondary";
      close.textContent = "Close";
      close.addEventListener("click", closePanel);
      panel.prepend(close);
    }
  });

  // A note or a choice the reader has not saved yet.
  function unsaved() {
    return Array.from(panel.querySelectorAll("form.editor textarea, form.editor input")).some(
      (field) =>
        field.type === "checkbox" || field.type === "radio"
          ? field.checked !== field.defaultChecked
          : field.type !== "hidden" && field.value !== field.defaultValue,
    );
  }

  function closePanel() {
    if (!place) return;
    const was = place;
    place = null;
    panel.classList.remove("sheet");
    const close = panel.querySelector(".sheet-close");
    if (close) close.remove();
    // Unsaved work stays where it is (in the side column, or below the text on a phone);
    // otherwise the panel shows its start again.
    if (!unsaved()) {
      panel.replaceChildren(...start.map((node) => node.cloneNode(true)));
      htmx.process(panel);
    }
    // Focus goes back to what had it (or its like, if the panel was redrawn: the
    // Paragraph number field), else to the paragraph the reader was in, else the panel.
    let target = was.focus;
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target || !target.isConnected || target === document.body || !target.offsetParent) {
      target = was.paragraph ? document.getElementById(was.paragraph) : null;
      if (target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    }
    (target || panel).focus({ preventScroll: true });
    window.scrollTo(was.x, was.y);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !place) return;
    event.preventDefault();
    closePanel();
  });
})();
