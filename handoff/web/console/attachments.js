// Attachments in the console: images inline and documents as download links (short-lived signed URLs from the
// service, so an <img> needs no token), and a file the agent sends to the customer.

import { el } from "/static/common/dom.js";

const ACCEPTED = "image/jpeg,image/png,image/gif,image/webp,application/pdf";

export class Attachments {
  constructor(app) {
    this.app = app;
  }

  // Each attachment goes under the transcript line that carries it.
  async decorate(handoffId, container) {
    let items;
    try {
      items = await this.app.api.get(`/handoffs/${handoffId}/attachments`);
    } catch (error) {
      this.app.report(error);
      return;
    }
    for (const item of items) {
      const line = container.querySelector(`[data-message-id="${item.message_id}"]`);
      if (!line || line.querySelector(`[data-attachment-id="${item.id}"]`)) continue;
      line.append(this.view(item));
    }
  }

  view(item) {
    const dataset = { attachmentId: item.id, kind: item.kind };
    if (item.kind === "image") {
      return el(
        "a",
        { href: item.url, target: "_blank", rel: "noopener noreferrer", class: "attachment", dataset },
        el("img", { src: item.url, alt: item.filename, class: "attachment-image" }),
      );
    }
    const size = `${Math.max(1, Math.round(item.size / 1024))} KB`;
    return el("a", { href: item.url, download: item.filename, class: "attachment attachment-file", dataset }, `${item.filename} (${size})`);
  }

  // The composer's file input and its button.
  picker(handoffId, onSent) {
    const input = el("input", { type: "file", id: "attachment-file", accept: ACCEPTED, "aria-label": "File to send" });
    const button = el("button", { type: "button", id: "send-file", class: "secondary", onclick: () => this.send(handoffId, input, onSent) }, "Send file");
    return el("span", { class: "attachment-picker" }, input, button);
  }

  async send(handoffId, input, onSent) {
    const file = input.files && input.files[0];
    if (!file) return;
    const response = await fetch(`${this.app.api.base}/handoffs/${handoffId}/attachments`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${this.app.api.token}`,
        "Content-Type": "application/octet-stream",
        "X-Attachment-Filename": encodeURIComponent(file.name),
      },
      body: file,
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      this.app.report(new Error(data && typeof data.detail === "string" ? data.detail : `HTTP ${response.status}`));
      return;
    }
    input.value = "";
    onSent();
  }
}
