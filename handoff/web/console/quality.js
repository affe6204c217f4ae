// The quality view (supervisors): closed conversations reviewed automatically, lowest score first, each with the
// exact messages that failed a check and buttons to confirm or dismiss the finding (audited by the service).

import { $, el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";
import { clockTime } from "/static/common/time.js";

const CHECK_TITLES = {
  first_response: "First response within the SLA",
  language: "Replies in the customer's language",
  silence: "Long silence",
  unanswered_question: "Last question unanswered",
  personal_data: "Personal data pasted",
  greeting: "Greeting",
  closing: "Closing",
  tone: "Tone",
};
const ROLE_LABELS = { customer: "Customer", agent: "Agent", note: "Private note", bot: "Bot" };

function checkTitle(check) {
  return CHECK_TITLES[check] || check.replaceAll("_", " ");
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return `${date.toLocaleDateString()} ${clockTime(iso)}`;
}

export class QualityView {
  constructor(container, app) {
    this.container = container;
    this.app = app;
    this.built = false;
    this.selected = null;
  }

  show() {
    if (!this.built) this.build();
    this.load();
  }

  build() {
    this.built = true;
    this.form = el(
      "form",
      { class: "qa-controls", id: "qa-form", onsubmit: (event) => { event.preventDefault(); this.load(); } },
      el("label", {}, "Queue ", el("input", { type: "text", id: "qa-queue", placeholder: "any" })),
      el("label", {}, "Score at most ", el("input", { type: "number", id: "qa-max-score", min: 0, max: 100, placeholder: "100" })),
      el(
        "label",
        {},
        "Findings ",
        el(
          "select",
          { id: "qa-status" },
          el("option", { value: "open", selected: true }, "Open"),
          el("option", { value: "confirmed" }, "Confirmed"),
          el("option", { value: "dismissed" }, "Dismissed"),
          el("option", { value: "" }, "Any (all reviews)"),
        ),
      ),
      el("button", { type: "submit", id: "qa-run" }, "Show"),
    );
    this.status = el("p", { class: "qa-status", role: "status" });
    this.list = el("div", { class: "qa-list" });
    this.detail = el("section", { class: "qa-detail", id: "qa-detail", "aria-live": "polite" }, el("p", { class: "none" }, "Select a review."));
    replaceChildren(
      this.container,
      el("section", { class: "qa-head" }, el("h2", {}, "Quality review"), this.form, this.status),
      el("div", { class: "qa-body" }, this.list, this.detail),
    );
  }

  params() {
    const params = new URLSearchParams({ limit: "100" });
    const queue = $("#qa-queue", this.form).value.trim();
    const maxScore = $("#qa-max-score", this.form).value.trim();
    const status = $("#qa-status", this.form).value;
    if (queue) params.set("queue", queue);
    if (maxScore) params.set("max_score", maxScore);
    if (status) params.set("status", status);
    return params;
  }

  async load() {
    this.status.textContent = "Loading…";
    try {
      const reviews = await this.app.api.get(`/qa/reviews?${this.params()}`);
      this.renderList(reviews);
      const count = reviews.length === 1 ? "1 review" : `${reviews.length} reviews`;
      this.status.textContent = reviews.length ? `${count}, lowest score first` : "No reviews match.";
      this.container.dataset.loaded = "true";
      if (this.selected) await this.open(this.selected);
    } catch (error) {
      this.status.textContent = "";
      this.app.report(error);
    }
  }

  renderList(reviews) {
    const rows = reviews.map((review) =>
      el(
        "tr",
        {
          dataset: { handoff: review.handoff_id },
          class: review.handoff_id === this.selected ? "selected" : null,
          tabindex: 0,
          onclick: () => this.open(review.handoff_id),
          onkeydown: (event) => { if (event.key === "Enter") this.open(review.handoff_id); },
        },
        el("td", { class: `qa-score ${review.score < 50 ? "low" : review.score < 80 ? "mid" : "high"}` }, String(review.score)),
        el("td", {}, when(review.closed_at)),
        el("td", {}, review.queue),
        el("td", {}, review.agent_id || "—"),
        el("td", { lang: review.language }, languageLabel(review.language)),
        el("td", { class: "qa-failed" }, review.failed_checks.map(checkTitle).join(", ") || "—"),
        el("td", { class: "number" }, String(review.open_findings)),
      ),
    );
    replaceChildren(
      this.list,
      el(
        "table",
        { id: "qa-reviews" },
        el("thead", {}, el("tr", {}, ["Score", "Closed", "Queue", "Agent", "Language", "Failed checks", "Open"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows),
      ),
    );
  }

  async open(handoffId) {
    this.selected = handoffId;
    for (const row of this.list.querySelectorAll("tr[data-handoff]")) {
      row.classList.toggle("selected", row.dataset.handoff === handoffId);
    }
    try {
      const review = await this.app.api.get(`/qa/reviews/${encodeURIComponent(handoffId)}`);
      this.renderDetail(review);
    } catch (error) {
      this.app.report(error);
    }
  }

  renderDetail(review) {
    const findings = review.findings.length
      ? review.findings.map((finding) => this.finding(review, finding))
      : el("p", { class: "none" }, "Every check passed.");
    replaceChildren(
      this.detail,
      el(
        "header",
        { class: "qa-detail-head" },
        el("h3", {}, `Score ${review.score}`),
        el("span", {}, `${review.queue} · ${review.agent_id || "no agent"} · ${languageLabel(review.language)} · ${review.channel}`),
        el("span", { class: "hint" }, `closed ${when(review.closed_at)} · rules ${review.rules_version}`),
      ),
      el("div", { class: "qa-findings", dataset: { handoff: review.handoff_id } }, findings),
    );
  }

  finding(review, finding) {
    const note = el("input", { type: "text", class: "qa-note", maxlength: 1000, placeholder: "Note (optional)", "aria-label": "Decision note" });
    const decide = (decision) => this.decide(review.handoff_id, finding.id, decision, note.value);
    const messages = finding.messages.length
      ? finding.messages.map((m) =>
          el(
            "li",
            { class: `qa-message role-${m.private ? "note" : m.role}`, dataset: { messageId: String(m.id) } },
            el("span", { class: "qa-message-meta" }, `${ROLE_LABELS[m.private ? "note" : m.role] || m.role} · ${clockTime(m.timestamp)}`),
            el("span", { class: "qa-message-text", dir: "auto" }, m.text),
            m.original_text ? el("span", { class: "qa-message-original", dir: "auto" }, `Agent wrote: ${m.original_text}`) : null,
          ),
        )
      : el("li", { class: "none" }, finding.message_ids.length ? "The messages are no longer stored." : "No single message: something was missing.");
    return el(
      "article",
      { class: `qa-finding severity-${finding.severity}`, dataset: { check: finding.check, status: finding.status, findingId: String(finding.id) } },
      el(
        "header",
        {},
        el("strong", {}, checkTitle(finding.check)),
        el("span", { class: "qa-severity" }, finding.severity),
        el("span", { class: "qa-finding-status" }, finding.status),
      ),
      el("p", { class: "qa-finding-detail" }, finding.detail),
      el("ul", { class: "qa-messages" }, messages),
      finding.decided_by
        ? el("p", { class: "hint" }, `${finding.status} by ${finding.decided_by} ${when(finding.decided_at)}${finding.decision_note ? `: ${finding.decision_note}` : ""}`)
        : null,
      el(
        "div",
        { class: "qa-actions" },
        note,
        el("button", { type: "button", class: "qa-confirm", disabled: finding.status === "confirmed", onclick: () => decide("confirm") }, "Confirm"),
        el("button", { type: "button", class: "secondary qa-dismiss", disabled: finding.status === "dismissed", onclick: () => decide("dismiss") }, "Dismiss"),
      ),
    );
  }

  async decide(handoffId, findingId, decision, note) {
    try {
      await this.app.api.post(`/qa/findings/${findingId}/decision`, { decision, note: note.trim() || null });
      this.app.notify(decision === "confirm" ? "Finding confirmed." : "Finding dismissed.");
      this.selected = handoffId;
      await this.load();
    } catch (error) {
      this.app.report(error);
    }
  }
}
