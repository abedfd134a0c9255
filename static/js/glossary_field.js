// The Glossary field (the editor's, and an assignment's required entries): its search box
// filters the list of all entries. The box is shown with JavaScript only; without it the
// whole list is there to browse.
(function () {
  "use strict";

  function reveal(root) {
    const search = root.querySelector && root.querySelector("#glossary-search");
    if (search) search.hidden = false;
  }

  // htmx:load for a panel swapped in (the editor); the page itself on first load.
  document.addEventListener("htmx:load", (event) => reveal(event.detail.elt));
  reveal(document);

  document.addEventListener("input", function (event) {
    if (event.target.id !== "glossary-search") return;
    const wanted = event.target.value.trim().toLowerCase();
    for (const item of document.querySelectorAll("#glossary-all li")) {
      item.hidden = wanted !== "" && !item.textContent.toLowerCase().includes(wanted);
    }
    // A kind's heading goes with its entries.
    for (const list of document.querySelectorAll("#glossary-all ul.choices")) {
      const heading = list.previousElementSibling;
      if (heading && heading.classList.contains("subhead")) {
        heading.hidden = !list.querySelector("li:not([hidden])");
      }
    }
  });
})();
