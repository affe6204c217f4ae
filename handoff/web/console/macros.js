// Canned replies in the reply box: typing "/" opens a list filtered as the agent types (the conversation's language
// first), navigable with the arrow keys; choosing one puts its filled text where the agent can edit it before
// sending. Fields the conversation has no value for stay as {name} and are selected, ready to type over.

import { el, replaceChildren } from "/static/common/dom.js";
import { isRightToLeft } from "/static/common/languages.js";

// A "/" at the start or after a space, then the search typed so far, up to the caret.
const TRIGGER = /(^|\s)\/([^\s/]*)$/;

export class MacroPicker {
  constructor(view, handoff, textarea) {
    this.view = view;
    this.handoff = handoff;
    this.textarea = textarea;
    this.items = [];
    this.active = 0;
    this.token = null; // {start, query} of the "/search" being typed
    this.timer = null;
    this.request = 0;
    this.element = el("ul", { id: "macro-list", class: "macro-list", role: "listbox", "aria-label": "Canned replies", hidden: true });
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "macro-list");
    textarea.setAttribute("aria-expanded", "false");
    textarea.placeholder = `${textarea.placeholder} · type / for canned replies`;
    textarea.addEventListener("input", () => this.onInput());
    textarea.addEventListener("keydown", (event) => this.onKeyDown(event));
    textarea.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  get open() {
    return !this.element.hidden;
  }

  onInput() {
    const before = this.textarea.value.slice(0, this.textarea.selectionStart);
    const match = TRIGGER.exec(before);
    if (!match) return this.close();
    this.token = { start: before.length - match[2].length - 1, query: match[2] };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(this.token.query), 120);
  }

  async search(query) {
    const request = ++this.request;
    const params = new URLSearchParams({ q: query, limit: "8" });
    let items;
    try {
      items = await this.view.app.api.get(`/handoffs/${this.handoff.id}/macros?${params}`);
    } catch (error) {
      this.view.app.report(error);
      return;
    }
    if (request !== this.request || !this.token) return;
    this.items = items;
    this.active = 0;
    this.render();
  }

  render() {
    if (!this.items.length) {
      replaceChildren(this.element, el("li", { class: "none", role: "presentation" }, "No canned reply matches."));
    } else {
      replaceChildren(
        this.element,
        this.items.map((m, index) =>
          el(
            "li",
            {
              id: `macro-option-${index}`,
              class: "macro-option",
              role: "option",
              "aria-selected": String(index === this.active),
              dataset: { shortcut: m.shortcut, language: m.language },
              onmousedown: (event) => {
                event.preventDefault(); // keep the focus in the reply box
                this.choose(index);
              },
            },
            el("span", { class: "macro-head" }, el("strong", {}, `/${m.shortcut}`), " ", el("span", { class: "lang", lang: m.language }, m.language), " ", el("span", { dir: "auto" }, m.title)),
            el("span", { class: "macro-text", dir: isRightToLeft(m.language) ? "rtl" : "auto", lang: m.language }, m.filled),
          ),
        ),
      );
    }
    this.element.hidden = false;
    this.textarea.setAttribute("aria-expanded", "true");
    if (this.items.length) this.textarea.setAttribute("aria-activedescendant", `macro-option-${this.active}`);
  }

  close() {
    clearTimeout(this.timer);
    this.request++;
    this.token = null;
    this.element.hidden = true;
    this.textarea.setAttribute("aria-expanded", "false");
    this.textarea.removeAttribute("aria-activedescendant");
  }

  // Registered before the composer's own Enter handler, so Enter chooses a reply instead of sending.
  onKeyDown(event) {
    if (!this.open || event.isComposing) return;
    const keys = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in keys && this.items.length) {
      this.active = (this.active + keys[event.key] + this.items.length) % this.items.length;
      this.render();
      this.element.children[this.active]?.scrollIntoView({ block: "nearest" });
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && this.items.length) {
      this.choose(this.active);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // A reply in the customer's language needs no translation: when the agent writes through translation it goes
  // straight into the box of what the customer receives. Any other reply goes into the agent's own box.
  choose(index) {
    const macro = this.items[index];
    const token = this.token;
    if (!macro || !token) return;
    const value = this.textarea.value;
    const end = token.start + 1 + token.query.length;
    const before = value.slice(0, token.start);
    const after = value.slice(end);
    this.close();
    const h = this.handoff;
    if (this.view.translating(h) && macro.language === h.language) {
      this.textarea.value = `${before}${after}`.trim();
      this.view.preview = { target_language: h.language, translated: macro.filled, failed: false, provider: `canned reply /${macro.shortcut}`, original: null, source_language: null };
      this.view.show(h, { keepDraft: true });
      const box = document.getElementById("reply-translation");
      if (box) {
        box.value = macro.filled;
        selectMissing(box, 0, macro);
      }
      return;
    }
    this.textarea.value = `${before}${macro.filled}${after}`;
    selectMissing(this.textarea, before.length, macro);
  }
}

// Select the first field left to fill, or put the caret after the inserted text.
function selectMissing(textarea, start, macro) {
  textarea.focus();
  const field = macro.missing.length ? textarea.value.indexOf(`{${macro.missing[0]}}`, start) : -1;
  if (field >= 0) textarea.setSelectionRange(field, field + macro.missing[0].length + 2);
  else textarea.setSelectionRange(start + macro.filled.length, start + macro.filled.length);
}
