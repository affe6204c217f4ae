// "Top unanswered questions" in the reports view: the bot's unanswered questions grouped by meaning, with counts,
// languages, why they went unanswered and examples; each group downloads as training examples for an intent (the
// content tool's CSV) or as a draft knowledge-base article.

import { el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";
import { downloadFile } from "/static/console/download.js";

const KIND_LABELS = {
  nlu_fallback: "not understood",
  kb_no_answer: "no article",
  clarification_declined: "none of these",
  repeated_failure: "handed off after failures",
};
const TOPICS = ["general", "orders", "billing", "account"];

export class UnansweredSection {
  constructor(app) {
    this.app = app;
    this.params = null;
    this.status = el("p", { class: "unanswered-status", role: "status" });
    this.list = el("div", { class: "unanswered-groups" });
    this.element = el(
      "section",
      { class: "report-unanswered", id: "report-unanswered" },
      el(
        "header",
        {},
        el("h3", {}, "Top unanswered questions"),
        el("button", { type: "button", class: "secondary download", onclick: () => this.save("/reports/unanswered.csv", "unanswered.csv") }, "Download CSV"),
      ),
      el("p", { class: "hint" }, "Questions the bot did not understand, found no article for, whose suggestions the customer declined, or that ended in a handoff after repeated failures, grouped by meaning."),
      this.status,
      this.list,
    );
  }

  // ``params``: the reports' from, to, tz and language filter.
  async load(params) {
    const query = new URLSearchParams();
    for (const key of ["from", "to", "tz", "language"]) if (params.get(key)) query.set(key, params.get(key));
    this.params = query;
    // Grouping is slow: an earlier request that answers after a newer one must not overwrite its result.
    const request = (this.request = (this.request || 0) + 1);
    this.status.textContent = "Grouping…";
    try {
      const body = await this.app.api.get(`/reports/unanswered?${query}`);
      if (request !== this.request) return;
      if (!body.available) {
        this.status.textContent = `Unavailable: ${body.unavailable_reason}`;
        replaceChildren(this.list);
        return;
      }
      const note = body.tracker_available ? "" : ` Bot conversations unavailable: ${body.tracker_unavailable_reason}`;
      this.status.textContent = `${body.questions} unanswered question(s) in ${body.groups.length} group(s).${note}`;
      replaceChildren(this.list, body.groups.length ? body.groups.map((group) => this.group(group)) : el("p", { class: "none" }, "No unanswered questions in this range."));
    } catch (error) {
      if (request !== this.request) return;
      this.status.textContent = `Unavailable: ${error.message}`;
      replaceChildren(this.list);
    }
  }

  group(group) {
    const intent = el("input", { type: "text", name: "intent", placeholder: "intent, e.g. faq", pattern: "[A-Za-z][A-Za-z0-9_]*", "aria-label": "Intent" });
    const articleId = el("input", { type: "text", name: "article_id", placeholder: "new-article-id", pattern: "[a-z0-9]+(-[a-z0-9]+)*", "aria-label": "Article id" });
    const topic = el("select", { name: "topic", "aria-label": "Topic" }, TOPICS.map((t) => el("option", { value: t }, t)));
    const base = `/reports/unanswered/${group.id}`;
    const training = () => {
      if (!intent.value.trim()) return this.app.notify("Name the intent the questions are examples of.");
      const query = new URLSearchParams(this.params);
      query.set("intent", intent.value.trim());
      return this.save(`${base}/training-examples.csv?${query}`, "training.csv");
    };
    const article = () => {
      if (!articleId.value.trim()) return this.app.notify("Choose an id for the new article.");
      const query = new URLSearchParams(this.params);
      query.set("article_id", articleId.value.trim());
      query.set("topic", topic.value);
      return this.save(`${base}/article-draft.md?${query}`, "article.md");
    };
    return el(
      "article",
      { class: "unanswered-group", dataset: { group: group.id } },
      el(
        "header",
        {},
        el("strong", { class: "count" }, String(group.count)),
        el("span", { class: "label", dir: "auto" }, group.label),
        el("span", { class: "hint" }, Object.entries(group.languages).map(([code, n]) => `${languageLabel(code)} ${n}`).join(", ")),
        el("span", { class: "hint" }, Object.entries(group.kinds).map(([kind, n]) => `${KIND_LABELS[kind] || kind} ${n}`).join(", ")),
      ),
      el(
        "details",
        {},
        el("summary", {}, "Examples and actions"),
        el("ul", {}, group.examples.map((e) => el("li", { dir: "auto" }, e.text, el("span", { class: "hint" }, ` (${languageLabel(e.language)}, ${e.count})`)))),
        el("div", { class: "unanswered-actions" },
          el("label", {}, "Training examples for ", intent, el("button", { type: "button", class: "secondary", onclick: training }, "Download CSV")),
          el("label", {}, "Draft article ", articleId, topic, el("button", { type: "button", class: "secondary", onclick: article }, "Download draft")),
        ),
      ),
    );
  }

  async save(path, fallbackName) {
    const separator = path.includes("?") ? "" : `?${this.params}`;
    try {
      await downloadFile(this.app.api, path + separator, fallbackName);
    } catch (error) {
      this.app.notify(`The file could not be downloaded: ${error.message}`, 6000);
    }
  }
}
