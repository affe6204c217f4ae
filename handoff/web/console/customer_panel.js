// The customer beside the conversation: their record (VIP, tier, linked channels) and their earlier handoffs.

import { el } from "/static/common/dom.js";

const CHANNEL_NAMES = { whatsapp: "WhatsApp", messenger: "Messenger", line: "LINE", twilio: "SMS", socketio: "Web chat", rest: "Web", email: "E-mail", phone: "Phone" };

function channelName(channel) {
  return CHANNEL_NAMES[channel] || channel;
}

function day(isoTime) {
  return new Date(isoTime).toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
}

function stars(score) {
  return score == null ? "no rating" : `${"★".repeat(score)}${"☆".repeat(5 - score)} ${score}/5`;
}

export class CustomerPanel {
  constructor(app) {
    this.app = app;
    this.handoffId = null;
    this.context = null; // the last answer ({record, history, last_agent_id}) or an error message
    this.request = 0; // only the answer to the latest request is shown
  }

  // Asks the service for the handoff's customer, then redraws the panel where it stands in `details`.
  async load(handoffId, details) {
    const request = ++this.request;
    if (handoffId !== this.handoffId) this.context = null;
    this.handoffId = handoffId;
    let context;
    try {
      context = await this.app.api.get(`/handoffs/${handoffId}/customer`);
    } catch (error) {
      context = error.message;
    }
    if (request !== this.request || handoffId !== this.handoffId) return;
    this.context = context;
    const section = details.querySelector("#customer-history");
    if (section) section.replaceWith(this.section());
  }

  section() {
    return el("section", { id: "customer-history", class: "customer-history" }, el("h3", {}, "Customer history"), this.body());
  }

  body() {
    const context = this.context;
    if (context === null) return el("p", { class: "none" }, "Loading…");
    if (typeof context === "string") return el("p", { class: "none" }, context);
    const record = context.record;
    if (!record) return el("p", { class: "none" }, "No customer record.");
    const tags = [record.vip ? "VIP" : null, record.tier ? `tier ${record.tier}` : null].filter(Boolean);
    const channels = [...new Set(record.identities.map((i) => channelName(i.channel)))];
    return [
      el(
        "p",
        { class: "customer-record" },
        tags.length ? el("strong", { class: "vip" }, tags.join(" · ")) : null,
        tags.length ? el("br") : null,
        el("small", {}, `Known on: ${channels.join(", ") || "—"}`),
      ),
      context.history.length
        ? el("ol", { class: "history", id: "customer-history-list" }, context.history.map((item) => this.item(item)))
        : el("p", { class: "none" }, "First contact: no earlier handoff."),
      this.linkForm(record),
    ];
  }

  // The agent's explicit link (audited by the service): this conversation's customer is the customer of another
  // record, whose id the agent read in that customer's panel.
  linkForm(record) {
    const input = el("input", { type: "text", id: "link-record", placeholder: "another record's id", "aria-label": "Record id", pattern: "[0-9a-f\\-]{36}" });
    const outcome = el("small", { id: "link-outcome", role: "status" });
    const handoffId = this.handoffId;
    const submit = async (event) => {
      event.preventDefault();
      const target = input.value.trim();
      if (!target || target === record.id) return;
      try {
        const linked = await this.app.api.post(`/customer-records/${encodeURIComponent(target)}/identities`, { handoff_id: handoffId });
        outcome.textContent = `Linked: ${linked.moved_handoffs} handoff(s) moved to that record.`;
        const section = document.querySelector("#customer-history");
        if (section) this.load(handoffId, section.parentElement);
      } catch (error) {
        outcome.textContent = `Not linked: ${error.message}`;
      }
    };
    return el(
      "form",
      { class: "link-record", id: "link-record-form", onsubmit: submit },
      el("small", {}, `Record ${record.id}`),
      el("label", {}, "Same customer as record ", input),
      el("button", { type: "submit" }, "Link"),
      outcome,
    );
  }

  item(item) {
    const agent = item.agent_name || item.agent_id || "no agent";
    return el(
      "li",
      { class: "history-item", dataset: { handoffId: item.handoff_id } },
      el("strong", {}, `${day(item.created_at)} · ${channelName(item.channel)} · ${item.topic}`),
      el("br"),
      el("span", { dir: "auto" }, item.status === "closed" ? item.resolution || "closed without a note" : `still ${item.status}`),
      el("br"),
      el("small", {}, `${agent} · ${stars(item.csat_score)}`),
    );
  }
}
