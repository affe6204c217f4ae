// The waiting list on a busy day: one page at a time from the server, filtered by language, channel and queue,
// with how many wait behind each filter value.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";

export const PAGE_SIZE = 25;
const FILTERS = [
  { name: "language", label: "Language", all: "All languages", show: languageLabel },
  { name: "channel", label: "Channel", all: "All channels", show: (value) => value },
  { name: "queue", label: "Queue", all: "All queues", show: (value) => value },
];

export class WaitingList {
  constructor(app, card) {
    this.app = app;
    this.card = card; // (handoff) => the list item the console shows for it
    this.filters = { language: "", channel: "", queue: "" };
    this.offset = 0;
    this.items = [];
    this.total = 0;
    this.facets = null;
    this.allWaiting = 0;
    this.request = 0; // only the answer to the latest request is shown
    this.buildControls();
  }

  buildControls() {
    this.selects = {};
    const controls = FILTERS.map((f) => {
      const select = el("select", { id: `waiting-${f.name}`, "aria-label": `Filter waiting by ${f.label.toLowerCase()}` });
      select.addEventListener("change", () => {
        this.filters[f.name] = select.value;
        this.offset = 0;
        this.reload();
      });
      this.selects[f.name] = select;
      return select;
    });
    replaceChildren($("#waiting-filters"), controls);
    const button = (id, label, text, go) => el("button", { type: "button", id, class: "secondary pager-button", "aria-label": label, onclick: go }, text);
    this.range = el("span", { id: "waiting-range", class: "pager-range", "aria-live": "polite" });
    replaceChildren(
      $("#waiting-pager"),
      button("waiting-first", "First page", "«", () => this.goTo(0)),
      button("waiting-prev", "Previous page", "‹", () => this.goTo(this.offset - PAGE_SIZE)),
      this.range,
      button("waiting-next", "Next page", "›", () => this.goTo(this.offset + PAGE_SIZE)),
      button("waiting-last", "Last page", "»", () => this.goTo(this.lastOffset())),
    );
  }

  lastOffset() {
    return Math.max(0, Math.floor((this.total - 1) / PAGE_SIZE) * PAGE_SIZE);
  }

  goTo(offset) {
    this.offset = Math.min(Math.max(0, offset), this.lastOffset());
    this.reload();
  }

  reload() {
    this.load().catch((error) => this.app.report(error));
  }

  query() {
    const params = new URLSearchParams({ status: "queued", limit: String(PAGE_SIZE), offset: String(this.offset) });
    for (const [name, value] of Object.entries(this.filters)) if (value) params.set(name, value);
    return params;
  }

  // The page, the filters' counts (each under the other filters) and, when filtered, how many wait in all.
  async load() {
    const request = ++this.request;
    const counted = this.query();
    counted.delete("limit");
    counted.delete("offset");
    const filtered = Object.values(this.filters).some(Boolean);
    const [page, facets, all] = await Promise.all([
      this.app.api.list(`/handoffs?${this.query()}`),
      this.app.api.get(`/handoffs/facets?${counted}`),
      filtered ? this.app.api.list("/handoffs?status=queued&limit=1") : null,
    ]);
    if (request !== this.request) return;
    this.total = page.total;
    this.allWaiting = all ? all.total : page.total;
    this.facets = facets;
    // Claims elsewhere can empty the page being shown: step back to the last page that still has rows.
    if (!page.items.length && this.offset > 0 && this.total > 0) {
      this.offset = this.lastOffset();
      return this.load();
    }
    this.items = page.items;
    this.render();
  }

  render() {
    if (!this.facets) return;
    for (const f of FILTERS) this.renderOptions(f);
    const filtered = Object.values(this.filters).some(Boolean);
    $("#waiting-count").textContent = filtered ? `(${this.total} of ${this.allWaiting})` : `(${this.total})`;
    replaceChildren($("#waiting"), this.items.length ? this.items.map((h) => this.card(h)) : el("li", { class: "none" }, filtered ? "Nobody waiting matches these filters." : "Nobody is waiting."));
    const first = this.total ? this.offset + 1 : 0;
    this.range.textContent = `${first}–${this.offset + this.items.length} of ${this.total}`;
    $("#waiting-first").disabled = $("#waiting-prev").disabled = this.offset === 0;
    $("#waiting-next").disabled = $("#waiting-last").disabled = this.offset + PAGE_SIZE >= this.total;
    $("#waiting-pager").hidden = this.total <= PAGE_SIZE;
  }

  // Each value with how many would show choosing it; a chosen value nobody waits for any more stays, with 0.
  renderOptions(f) {
    const select = this.selects[f.name];
    const counts = { ...(this.facets[f.name] || {}) };
    const any = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const chosen = this.filters[f.name];
    if (chosen && !(chosen in counts)) counts[chosen] = 0;
    const options = [el("option", { value: "" }, `${f.all} (${any})`)];
    for (const [value, count] of Object.entries(counts)) options.push(el("option", { value }, `${f.show(value)} (${count})`));
    const same = [...select.options].map((o) => o.value).join("\n") === options.map((o) => o.value).join("\n");
    if (document.activeElement === select && same) {
      // An open dropdown keeps its options (only their counts change) so the agent's choice is not lost.
      options.forEach((option, index) => (select.options[index].textContent = option.textContent));
      return;
    }
    replaceChildren(select, options);
    select.value = chosen;
  }
}
