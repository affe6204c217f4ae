// The reports view (supervisors): handoff and bot figures per day, week or month in a chosen time zone, as charts
// (uPlot, served from /static/vendor) and tables, each table downloadable as CSV from the same API.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";
import { duration } from "/static/common/time.js";
import { downloadFile } from "/static/console/download.js";
import { UnansweredSection } from "/static/console/unanswered.js";

const UPLOT_SCRIPT = "/static/vendor/uplot/uPlot.iife.min.js";
const UPLOT_STYLE = "/static/vendor/uplot/uPlot.min.css";
const DIMENSIONS = ["queue", "agent", "language", "channel", "topic", "reason"];
// The tracker store knows a message's language and channel only.
const BOT_DIMENSIONS = ["language", "channel"];
const COLOURS = ["#2456d6", "#f5a524", "#17733a", "#b42318", "#7a3fd1", "#0f8a9d", "#8a5a00", "#5b6475"];

const HANDOFF_TABLES = [
  { name: "handoffs", title: "Handoffs" },
  { name: "reasons", title: "Handoff reasons" },
  { name: "csat", title: "Customer satisfaction (CSAT)" },
];
const BOT_TABLES = [
  { name: "conversations", title: "Conversations and containment" },
  { name: "intents", title: "Intents by language" },
  { name: "articles", title: "Articles served" },
];
const CHARTS = [
  { report: "handoffs", metric: "handoffs", title: "Handoffs", format: count },
  { report: "handoffs", metric: "wait_p90_seconds", title: "Waiting time p90", format: duration },
  { report: "handoffs", metric: "first_response_p50_seconds", title: "First response p50", format: duration },
  { report: "handoffs", metric: "csat_mean", title: "CSAT mean (1-5)", format: (v) => v.toFixed(2) },
  { report: "conversations", metric: "containment_rate", title: "Handled by the bot alone", format: percent },
  { report: "conversations", metric: "fallback_rate", title: "NLU fallback rate", format: percent },
];

// Counts have no fractional ticks.
function count(value) {
  return Number.isInteger(value) ? String(value) : "";
}

function percent(value) {
  return `${(value * 100).toFixed(1)}%`;
}

function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function zones() {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", browserZone(), ...known])];
}

// A cell as people read it: durations for *_seconds, percentages for *_rate, a dash for unknown.
function display(column, value, groupBy) {
  if (column === "group" && value === null) return "(none)";
  if (value === null || value === undefined) return "—";
  if (column.endsWith("_seconds")) return duration(value);
  if (column.endsWith("_rate")) return percent(value);
  if (column === "group" && value === "all") return "All";
  if (column === "language" || (column === "group" && groupBy === "language")) return languageLabel(value);
  return String(value);
}

function loadOnce(tag, attributes) {
  const key = attributes.src || attributes.href;
  const existing = document.querySelector(`[data-vendor="${key}"]`);
  if (existing) return existing.loaded;
  const node = el(tag, { ...attributes, dataset: { vendor: key } });
  node.loaded = new Promise((resolve, reject) => {
    node.addEventListener("load", resolve);
    node.addEventListener("error", () => reject(new Error(`could not load ${key}`)));
  });
  document.head.append(node);
  return node.loaded;
}

// uPlot is loaded when a supervisor first opens the reports, so agents never download it.
function loadCharts() {
  return Promise.all([
    loadOnce("link", { rel: "stylesheet", href: UPLOT_STYLE }),
    loadOnce("script", { src: UPLOT_SCRIPT }),
  ]).then(() => window.uPlot);
}

export class ReportsView {
  constructor(container, app) {
    this.container = container;
    this.app = app;
    this.built = false;
    this.charts = [];
    this.lastQuery = null;
  }

  show() {
    if (!this.built) this.build();
    this.load();
  }

  build() {
    this.built = true;
    const today = new Date();
    const monthAgo = new Date(today.getTime() - 29 * 86400000);
    const select = (id, options, value) =>
      el("select", { id, name: id }, options.map(([v, label]) => el("option", { value: v, selected: v === value }, label)));
    this.form = el(
      "form",
      { class: "report-controls", id: "report-form", onsubmit: (event) => { event.preventDefault(); this.load(); } },
      el("label", {}, "Period ", select("report-period", [["day", "Day"], ["week", "Week"], ["month", "Month"]], "day")),
      el("label", {}, "From ", el("input", { type: "date", id: "report-from", value: isoDate(monthAgo), required: true })),
      el("label", {}, "To ", el("input", { type: "date", id: "report-to", value: isoDate(today), required: true })),
      el("label", {}, "Time zone ", select("report-tz", zones().map((z) => [z, z]), browserZone())),
      el("label", {}, "Group by ", select("report-group", [["", "Nothing"], ...DIMENSIONS.map((d) => [d, d])], "")),
      el(
        "details",
        { class: "report-filters" },
        el("summary", {}, "Filters"),
        DIMENSIONS.map((d) =>
          el("label", {}, `${d} `, el("input", { type: "text", id: `report-filter-${d}`, placeholder: "any (comma-separated)" })),
        ),
      ),
      el("button", { type: "submit", id: "report-run" }, "Show"),
    );
    this.status = el("p", { class: "report-status", role: "status" });
    this.chartGrid = el("div", { class: "report-charts", id: "report-charts" });
    this.tables = el("div", { class: "report-tables" });
    this.unanswered = new UnansweredSection(this.app);
    replaceChildren(this.container, el("section", { class: "report-head" }, el("h2", {}, "Reports"), this.form, this.status), this.chartGrid, this.tables, this.unanswered.element);
  }

  // The query string of a report: handoff reports take every dimension, bot reports language and channel only.
  params(dimensions) {
    const params = new URLSearchParams({
      period: $("#report-period", this.form).value,
      from: $("#report-from", this.form).value,
      to: $("#report-to", this.form).value,
      tz: $("#report-tz", this.form).value,
    });
    const group = $("#report-group", this.form).value;
    if (group && dimensions.includes(group)) params.set("group_by", group);
    for (const d of dimensions) {
      const value = $(`#report-filter-${d}`, this.form).value.trim();
      if (value) params.set(d, value);
    }
    return params;
  }

  async load() {
    // Only the newest request may fill the page: an earlier one that answers late is dropped.
    const request = (this.request = (this.request || 0) + 1);
    this.status.textContent = "Loading…";
    // Grouping questions takes longer than the tables: it fills its own section when done.
    this.unanswered.load(this.params(["language"]));
    const requests = [...HANDOFF_TABLES.map((t) => [t, DIMENSIONS]), ...BOT_TABLES.map((t) => [t, BOT_DIMENSIONS])];
    try {
      const [uPlot, ...results] = await Promise.all([
        loadCharts(),
        ...requests.map(([table, dims]) => this.app.api.get(`/reports/${table.name}?${this.params(dims)}`)),
      ]);
      if (request !== this.request) return;
      const byName = Object.fromEntries(results.map((r) => [r.report, r]));
      this.renderCharts(uPlot, byName);
      replaceChildren(this.tables, requests.map(([table, dims]) => this.tableSection(table, byName[table.name], dims)));
      const first = results[0];
      this.status.textContent = `${first.from} to ${first.to}, by ${first.period}, ${first.tz}`;
      this.container.dataset.loaded = "true";
    } catch (error) {
      if (request !== this.request) return;
      this.status.textContent = "";
      this.app.report(error);
    }
  }

  // One chart per metric, one line per group, the buckets along the x axis.
  renderCharts(uPlot, reports) {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    const boxes = CHARTS.map((spec) => {
      const report = reports[spec.report];
      const box = el("figure", { class: "report-chart", dataset: { metric: spec.metric } }, el("figcaption", {}, spec.title));
      if (!report.available) {
        box.append(el("p", { class: "none" }, "Unavailable: ", report.unavailable_reason));
        return [box, null];
      }
      const buckets = [...new Set(report.rows.map((r) => r.bucket))];
      const groups = [...new Set(report.rows.map((r) => r.group))];
      if (!buckets.length || !groups.length) {
        box.append(el("p", { class: "none" }, "No data in this range."));
        return [box, null];
      }
      const index = new Map(report.rows.map((r) => [`${r.bucket}|${r.group}`, r[spec.metric]]));
      const data = [buckets.map((_, i) => i), ...groups.map((g) => buckets.map((b) => index.get(`${b}|${g}`) ?? null))];
      const options = {
        width: 420,
        height: 200,
        scales: { x: { time: false } },
        axes: [
          { values: (_, ticks) => ticks.map((t) => (Number.isInteger(t) && buckets[t] ? buckets[t].slice(5) : "")) },
          { values: (_, ticks) => ticks.map((t) => spec.format(t)), size: 60 },
        ],
        series: [
          { label: "Bucket", value: (_, i) => (i == null ? "—" : buckets[i]) },
          ...groups.map((g, i) => ({
            label: display("group", g, report.group_by),
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            points: { show: true },
            spanGaps: false,
            value: (_, v) => (v == null ? "—" : spec.format(v)),
          })),
        ],
      };
      // Sized once the box is laid out in the grid.
      return [box, () => new uPlot({ ...options, width: Math.max(320, box.clientWidth - 24) }, data, box)];
    });
    replaceChildren(this.chartGrid, boxes.map(([box]) => box));
    for (const [, draw] of boxes) if (draw) this.charts.push(draw());
  }

  tableSection(table, report, dims) {
    const note = !dims.includes($("#report-group", this.form).value) && $("#report-group", this.form).value
      ? el("p", { class: "hint" }, "Bot figures can be grouped by language or channel only.")
      : null;
    const body = report.available
      ? this.table(report)
      : el("p", { class: "none" }, "Unavailable: ", report.unavailable_reason);
    return el(
      "section",
      { class: "report-table", dataset: { report: table.name } },
      el(
        "header",
        {},
        el("h3", {}, table.title),
        el("button", { type: "button", class: "secondary download", disabled: !report.available, onclick: () => this.download(table.name, dims) }, "Download CSV"),
      ),
      note,
      body,
    );
  }

  table(report) {
    if (!report.rows.length) return el("p", { class: "none" }, "No data in this range.");
    const numeric = (column) => !["bucket", "group", "language", "intent", "article", "reason"].includes(column);
    return el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, report.columns.map((c) => el("th", { scope: "col" }, c.replaceAll("_", " "))))),
        el(
          "tbody",
          {},
          report.rows.map((row) =>
            el("tr", {}, report.columns.map((c) => el("td", { class: numeric(c) ? "number" : null }, display(c, row[c], report.group_by)))),
          ),
        ),
      ),
    );
  }

  // The CSV comes from the API with the token in a header (never in a URL), then is saved under the file name the
  // service chose.
  async download(name, dims) {
    try {
      await downloadFile(this.app.api, `/reports/${name}.csv?${this.params(dims)}`, `${name}.csv`);
    } catch (error) {
      this.app.notify(`The CSV could not be downloaded: ${error.message}`, 6000);
    }
  }
}
