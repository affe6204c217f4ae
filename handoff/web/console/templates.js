// Approved WhatsApp templates in the reply box once the 24-hour window has closed: each in the customer's language,
// its parameters filled from the conversation, a preview of what the customer will read, and a send button.

import { el, replaceChildren } from "/static/common/dom.js";
import { isRightToLeft } from "/static/common/languages.js";

function messageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export class TemplatePicker {
  constructor(view, handoff) {
    this.view = view;
    this.handoff = handoff;
    this.element = el("section", { id: "templates", class: "templates", "aria-label": "Approved templates" }, el("p", { class: "info" }, "Loading approved templates…"));
    this.load();
  }

  async load() {
    let items;
    try {
      items = await this.view.app.api.get(`/handoffs/${this.handoff.id}/templates`);
    } catch (error) {
      this.view.app.report(error);
      return;
    }
    if (!items.length) {
      replaceChildren(this.element, el("p", { class: "info", id: "no-templates" }, "No approved template in this customer's language: wait for the customer to write."));
      return;
    }
    const dir = isRightToLeft(this.handoff.language) ? "rtl" : "auto";
    replaceChildren(
      this.element,
      el("h3", {}, "The reply window is closed: send an approved template"),
      ...items.map((t) =>
        el(
          "div",
          { class: "template", dataset: { template: t.name } },
          el("p", { class: "template-title" }, `${t.title} · ${t.name} (${t.code})`),
          t.parameters.length
            ? el("ul", { class: "template-parameters" }, ...t.parameters.map((p, i) => el("li", {}, `{{${i + 1}}} ${p}: ${t.values[i] || "(no value)"}`)))
            : null,
          el("blockquote", { class: "template-preview", dir, lang: t.language }, t.preview),
          t.missing.length ? el("p", { class: "translation-failed" }, `Cannot send: no ${t.missing.join(", ")} in this conversation.`) : null,
          el("button", { type: "button", class: "send-template", disabled: t.missing.length > 0, onclick: () => this.send(t) }, "Send template"),
        ),
      ),
    );
  }

  async send(template) {
    try {
      await this.view.app.api.request("POST", `/handoffs/${this.handoff.id}/templates`, { name: template.name, message_id: messageId() });
    } catch (error) {
      this.view.app.report(error);
      return;
    }
    await this.view.reload();
  }
}
