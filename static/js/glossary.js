// Glossary mentions in the reading view: a card on hover or keyboard focus, and the
// "mark names" toggle remembered between visits. Without JavaScript a mention is a plain
// link to its entry's page, and the toggle still works (CSS :has).
(function () {
  "use strict";

  // The key's "Show other students' highlights" toggle, remembered the same way (CSS :has
  // does the hiding).
  const others = document.getElementById("show-shared");
  if (others) {
    if (localStorage.getItem("korea-reader:show-shared") === "off") others.checked = false;
    others.addEventListener("change", function () {
      localStorage.setItem("korea-reader:show-shared", others.checked ? "on" : "off");
    });
  }

  const toggle = document.getElementById("show-mentions");
  if (!toggle) return;
  const KEY = "korea-reader:show-mentions";
  if (localStorage.getItem(KEY) === "off") toggle.checked = false;
  toggle.addEventListener("change", function () {
    localStorage.setItem(KEY, toggle.checked ? "on" : "off");
    hide();
  });

  // Browsers drag a link instead of selecting text when a drag starts on it, and names
  // are links: drop the href for the length of the press so the drag selects. A plain
  // click still follows the link (the href is back by then); a click that ends a
  // selection does not.
  document.addEventListener("mousedown", function (event) {
    const link = event.button === 0 && event.target.closest("#reading-text a.mention[href]");
    if (!link) return;
    const href = link.getAttribute("href");
    link.removeAttribute("href");
    document.addEventListener("mouseup", () => link.setAttribute("href", href), {
      capture: true,
      once: true,
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("a.mention") && !window.getSelection().isCollapsed) {
      event.preventDefault();
    }
  }, true);

  // One visible card, filled from the hidden content the mention is described by.
  const card = document.createElement("div");
  card.className = "gloss-card";
  card.id = "gloss-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);

  let current = null;
  let hiding = null;

  function show(mention) {
    clearTimeout(hiding);
    if (!toggle.checked) return;
    const content = document.getElementById("gloss-" + mention.dataset.entry);
    if (!content) return;
    current = mention;
    card.replaceChildren(...Array.from(content.children, (child) => child.cloneNode(true)));
    card.hidden = false;
    const rect = mention.getBoundingClientRect();
    const width = card.offsetWidth;
    const left = Math.min(rect.left + window.scrollX,
      document.documentElement.clientWidth + window.scrollX - width - 8);
    card.style.left = Math.max(8, left) + "px";
    card.style.top = rect.bottom + window.scrollY + 6 + "px";
  }

  function hide() {
    card.hidden = true;
    current = null;
  }

  function hideSoon() {
    clearTimeout(hiding);
    hiding = setTimeout(hide, 250); // time to move the pointer onto the card
  }

  document.addEventListener("mouseover", function (event) {
    const mention = event.target.closest("a.mention");
    if (mention && mention !== current) show(mention);
    else if (mention || card.contains(event.target)) clearTimeout(hiding);
  });
  document.addEventListener("mouseout", function (event) {
    if (event.target.closest("a.mention") || card.contains(event.target)) hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    const mention = event.target.closest && event.target.closest("a.mention");
    if (mention) show(mention);
    else hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || card.hidden) return;
    hide();
    event.preventDefault(); // this Esc closed the name's card, not the panel (panel.js)
  });
})();
