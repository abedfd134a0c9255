// Keeps what is being written in a form marked data-draft (the editor of a new highlight,
// a teacher's reply) in this browser until the server has it, so that a session that ends
// mid-note, a lost connection or a closed tab loses nothing. The draft is offered back, on
// the page and when the same passage is selected again; it is never filled in unasked.
//
// Drafts are kept per user (body[data-user]): on a shared computer, the next student is
// not offered someone else's note.
(function () {
  "use strict";

  const user = document.body.dataset.user;
  let storage = null;
  try {
    storage = window.localStorage;
  } catch (error) {
    return; // storage refused (a privacy setting): the forms work as they did
  }
  if (!user || !storage) return;

  const ROOT = "korea-reader:draft:";
  const PREFIX = ROOT + user + ":";
  const KEEP = 14 * 24 * 3600 * 1000; // a fortnight
  // What the reader wrote (and the save's key), as opposed to where the passage is...
  const WRITTEN = {
    highlight: ["note", "tags", "visibility", "glossary_entries", "client_key"],
    reply: ["text"],
  };
  // ...of which this is typed: a form that comes back with it holds the reader's writing.
  const TYPED = { highlight: ["note", "tags"], reply: ["text"] };
  const SELECTION = ["start", "end", "exact", "prefix", "suffix", "revision", "client_key", "assignment"];

  function path(url) {
    return new URL(url, location.href).pathname;
  }

  function value(form, name) {
    const field = form.elements[name];
    return field && field.value !== undefined ? field.value : "";
  }

  // Where the drafts of new highlights on this article (in this assignment) are kept.
  function passagePrefix(form) {
    return PREFIX + "highlight:" + path(form.action) + ":" + value(form, "assignment") + ":";
  }

  function keyOf(form) {
    if (form.dataset.draft === "reply") return PREFIX + "reply:" + path(form.action);
    return passagePrefix(form) + value(form, "start") + "-" + value(form, "end");
  }

  function read(key) {
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function save(form) {
    const fields = {};
    for (const [name, entry] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken") continue;
      (fields[name] = fields[name] || []).push(String(entry));
    }
    try {
      storage.setItem(keyOf(form), JSON.stringify({ saved: Date.now(), fields: fields }));
    } catch (error) {
      // storage full: nothing more can be kept, and the form still works
    }
  }

  function withdrawOffers(key) {
    for (const offer of document.querySelectorAll(".draft-offer")) {
      if (offer.dataset.key === key) offer.remove();
    }
  }

  function forget(key) {
    storage.removeItem(key);
    withdrawOffers(key);
  }

  // Puts the written part of a draft back into the form.
  function fill(form, draft) {
    withdrawOffers(keyOf(form));
    const written = WRITTEN[form.dataset.draft];
    for (const field of form.elements) {
      if (!written.includes(field.name)) continue;
      const values = draft.fields[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else {
        field.value = values[0] || "";
      }
    }
    save(form);
  }

  function quote(draft) {
    const exact = ((draft.fields.exact || [""])[0]).replace(/\s+/g, " ").trim();
    return exact.length > 80 ? exact.slice(0, 79) + "…" : exact;
  }

  // "Restore your unsaved note", and "Discard it", for the draft under `key`. The group's
  // name says what is unsaved without "note", which would make it a second "Note" field.
  function offer(key, text, label, restore) {
    const reply = key.startsWith(PREFIX + "reply:");
    const box = document.createElement("div");
    box.className = "draft-offer notice";
    box.dataset.key = key;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", reply ? "Unsaved reply" : "Unsaved highlight");
    const message = document.createElement("p");
    message.textContent = text;
    const restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "button";
    restoreButton.textContent = label;
    restoreButton.addEventListener("click", function () {
      box.remove();
      restore();
    });
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button-secondary";
    discard.textContent = "Discard it";
    discard.addEventListener("click", function () {
      forget(key);
    });
    const actions = document.createElement("p");
    actions.className = "actions";
    actions.append(restoreButton, " ", discard);
    box.append(message, actions);
    return box;
  }

  let restoring = null; // the draft whose editor is being opened

  // On the reading view: the article's unsaved notes, each with a way back to its editor.
  function offerPassages() {
    const selection = document.getElementById("selection-form");
    const panel = document.getElementById("panel");
    if (!selection || !panel) return;
    const prefix = passagePrefix(selection);
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      const draft = key && key.startsWith(prefix) ? read(key) : null;
      if (!draft) continue;
      const text = "Your note on “" + quote(draft) + "” was not saved.";
      const box = offer(key, text, "Restore your unsaved note", function () {
        const query = new URLSearchParams();
        for (const name of SELECTION) {
          for (const entry of draft.fields[name] || []) query.append(name, entry);
        }
        restoring = { key: key, draft: draft };
        htmx.ajax("GET", selection.action + "?" + query, { target: "#panel", swap: "innerHTML" });
      });
      panel.before(box);
    }
  }

  // A form with a draft: refill it (the reader asked for it), or offer to.
  function offerForm(form) {
    const key = keyOf(form);
    if (restoring && form.dataset.draft === "highlight") {
      const wanted = restoring;
      restoring = null;
      fill(form, wanted.draft);
      if (wanted.key !== key) forget(wanted.key); // placed anew in a corrected text
      return;
    }
    // Sent back with what the reader wrote (a note to correct, a narrowed selection).
    if (TYPED[form.dataset.draft].some((name) => value(form, name).trim())) {
      save(form);
      return;
    }
    const draft = read(key);
    if (!draft || form.querySelector(".draft-offer")) return;
    const reply = form.dataset.draft === "reply";
    const text = reply
      ? "Your reply was not sent."
      : "You started a note on this passage that was not saved.";
    const label = reply ? "Restore your unsaved reply" : "Restore your unsaved note";
    form.prepend(
      offer(key, text, label, function () {
        fill(form, draft);
        const first = form.elements[reply ? "text" : "note"];
        if (first) first.focus();
      })
    );
  }

  htmx.onLoad(function (content) {
    if (content === document.body) {
      for (let i = storage.length - 1; i >= 0; i--) {
        const key = storage.key(i);
        const draft = key && key.startsWith(ROOT) ? read(key) : null;
        if (draft && !(Date.now() - draft.saved < KEEP)) storage.removeItem(key);
      }
      offerPassages();
    }
    if (!content.querySelectorAll) return;
    const forms = Array.from(content.querySelectorAll("form[data-draft]"));
    if (content.matches("form[data-draft]")) forms.push(content);
    forms.forEach(offerForm);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "panel") restoring = null; // the answer had no editor: kept for later
  });

  // Written on input: every keystroke in the note, every tag, box or choice.
  function onEdit(event) {
    const form = event.target.form;
    if (form && form.dataset.draft && event.target.name) save(form);
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  // Cleared once the server has it: its answer to the post, not a redirect to log in.
  // (htmx tells a parent when the form itself was swapped out: requestConfig keeps the form.)
  document.addEventListener("htmx:afterRequest", function (event) {
    const config = event.detail.requestConfig;
    const xhr = event.detail.xhr;
    if (!config || !config.elt.closest || !xhr || xhr.status !== 200) return;
    if (xhr.getResponseHeader("HX-Redirect")) return;
    const form = config.elt.closest("form[data-draft]");
    if (form === config.elt && config.verb === "post") forget(keyOf(form));
    // "Update selection": the editor came back for the narrowed passage, note and all (and
    // not a tag suggestion, which leaves the editor in place).
    if (form && !form.isConnected && config.verb === "get") forget(keyOf(form));
  });

  // Cancel means the reader is done with it.
  document.addEventListener("click", function (event) {
    const cancel = event.target.closest("form[data-draft] .cancel");
    if (cancel) forget(keyOf(cancel.closest("form")));
  });

  // The card comes back, or its thread after a reply: focus what it asks for (the mark
  // button pressed, the message of the reply posted), else its message, or the reply box
  // to correct.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target.matches || !event.target.matches(".card, .thread")) return;
    const card = event.target;
    const target =
      card.querySelector("[autofocus]") || card.querySelector("[role=status], .reply-form textarea");
    if (target) target.focus();
  });
})();
