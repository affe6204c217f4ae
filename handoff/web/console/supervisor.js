// The supervisor view: queue depth and longest wait, agents and their load, today's handoffs and waits by language,
// and the latest customer ratings of closed handoffs with their comments.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";
import { duration } from "/static/common/time.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

export class SupervisorView {
  constructor(container, app) {
    this.container = container;
    this.app = app;
    this.timer = null;
    this.visible = false;
  }

  show() {
    this.visible = true;
    this.load();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.load(), 5000);
  }

  hide() {
    this.visible = false;
    clearInterval(this.timer);
  }

  onEvent() {
    if (this.visible) this.load();
  }

  async load() {
    try {
      const [data, ratings] = await Promise.all([this.app.api.get("/dashboard"), this.app.api.get("/csat?limit=20")]);
      this.render(data);
      this.renderRatings(ratings);
    } catch (error) {
      this.app.report(error);
    }
  }

  render(data) {
    replaceChildren(
      $("#sup-queues tbody", this.container),
      data.queues.map((q) => {
        const late = q.longest_wait_seconds != null && q.longest_wait_seconds > q.sla_seconds;
        return el(
          "tr",
          { dataset: { queue: q.name } },
          el("td", {}, q.name),
          el("td", {}, q.open_now ? "open" : "closed"),
          el("td", { class: "number" }, String(q.depth)),
          el("td", { class: late ? "number late" : "number" }, q.longest_wait_seconds == null ? "—" : duration(q.longest_wait_seconds)),
          el("td", { class: "number" }, String(q.agents_online)),
          el("td", { class: "number" }, duration(q.sla_seconds)),
        );
      }),
    );
    replaceChildren(
      $("#sup-agents tbody", this.container),
      data.agents.map((a) =>
        el(
          "tr",
          { dataset: { agent: a.id } },
          el("td", {}, a.display_name),
          el("td", { class: `agent-status ${a.status}` }, a.status),
          el("td", { class: "number" }, `${a.active} / ${a.max_concurrent}`),
          el("td", {}, a.queues.join(", ")),
        ),
      ),
    );
    const chart = this.chart(data.languages);
    replaceChildren($("#sup-chart", this.container), chart);
    fitLabels(chart);
  }

  // Newest first; the comment is the customer's own words, shown as text.
  renderRatings(ratings) {
    const body = $("#sup-csat tbody", this.container);
    if (!ratings.length) {
      replaceChildren(body, el("tr", {}, el("td", { colspan: 6, class: "none" }, "No ratings yet.")));
      return;
    }
    replaceChildren(
      body,
      ratings.map((r) =>
        el(
          "tr",
          { dataset: { handoff: r.handoff_id } },
          el("td", {}, new Date(r.rated_at).toLocaleString()),
          el("td", {}, r.agent_id || "—"),
          el("td", {}, r.queue),
          el("td", {}, languageLabel(r.language)),
          el("td", { class: "number csat-score", "aria-label": `${r.score} out of 5` }, `${"★".repeat(r.score)}${"☆".repeat(5 - r.score)}`),
          el("td", { class: "csat-comment" }, r.comment || "—"),
        ),
      ),
    );
  }

  // Two bars per language: handoffs today, and the average wait (scaled to the longest average). The bars leave
  // room for the longest value label beside them.
  chart(languages) {
    if (!languages.length) return el("p", { class: "none" }, "No handoffs today yet.");
    const rowHeight = 34;
    const width = 640;
    const labelWidth = 130;
    const countText = (l) => `${l.handoffs} (${l.waiting} waiting)`;
    const waitText = (l) => (l.average_wait_seconds == null ? "—" : duration(l.average_wait_seconds));
    const longestValue = Math.max(...languages.flatMap((l) => [countText(l).length, waitText(l).length]));
    const barSpace = width - labelWidth - Math.max(90, longestValue * 7.5 + 12);
    const height = languages.length * rowHeight + 30;
    const mostHandoffs = Math.max(...languages.map((l) => l.handoffs), 1);
    const longestAverage = Math.max(...languages.map((l) => l.average_wait_seconds || 0), 1);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Handoffs and average wait by language, today" });
    const legend = svg("text", { x: labelWidth, y: 14, class: "legend" });
    legend.append(svg("tspan", { class: "key count" }, "■ "), svg("tspan", {}, "handoffs today   "), svg("tspan", { class: "key wait" }, "■ "), svg("tspan", {}, "average wait to claim"));
    root.append(legend);
    languages.forEach((l, index) => {
      const y = 24 + index * rowHeight;
      const countWidth = (l.handoffs / mostHandoffs) * barSpace;
      const waitWidth = ((l.average_wait_seconds || 0) / longestAverage) * barSpace;
      root.append(
        svg("text", { x: 0, y: y + 18, class: "label" }, languageLabel(l.language)),
        svg("rect", { x: labelWidth, y, width: Math.max(countWidth, 1), height: 12, class: "bar count" }),
        svg("text", { x: labelWidth + countWidth + 6, y: y + 11, class: "value" }, countText(l)),
        svg("rect", { x: labelWidth, y: y + 14, width: Math.max(waitWidth, 1), height: 12, class: "bar wait" }),
        svg("text", { x: labelWidth + waitWidth + 6, y: y + 25, class: "value" }, waitText(l)),
      );
    });
    return root;
  }
}

// Text widths depend on the font: once the chart is on the page, widen its drawing area to hold every label, so
// no value is cut off at the edge.
function fitLabels(root) {
  if (!(root instanceof SVGSVGElement) || !root.isConnected) return;
  const [, , width, height] = root.getAttribute("viewBox").split(" ").map(Number);
  let right = width;
  let bottom = height;
  for (const text of root.querySelectorAll("text")) {
    const box = text.getBBox();
    right = Math.max(right, box.x + box.width + 4);
    bottom = Math.max(bottom, box.y + box.height + 2);
  }
  if (right > width || bottom > height) root.setAttribute("viewBox", `0 0 ${Math.ceil(right)} ${Math.ceil(bottom)}`);
}
