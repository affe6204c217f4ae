// The agent console: sign-in, queues and conversation lists kept live over the WebSocket, the open conversation,
// and the supervisor view.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { languageLabel } from "/static/common/languages.js";
import { duration, secondsSince } from "/static/common/time.js";
import { Api, ApiError, LiveUpdates } from "/static/console/api.js";
import { ConversationView } from "/static/console/conversation.js";
import { QualityView } from "/static/console/quality.js";
import { ReportsView } from "/static/console/reports.js";
import { SupervisorView } from "/static/console/supervisor.js";
import { WaitingList } from "/static/console/waiting.js";

const TOKEN_KEY = "nimbus.console.token";

class Console {
  constructor() {
    this.api = null;
    this.me = null;
    this.live = null;
    this.mine = [];
    this.waiting = null; // the paged, filtered waiting list, built once the page is shown
    this.refreshTimer = null;
    this.conversation = new ConversationView($("#conversation"), $("#details"), this);
    this.supervisor = new SupervisorView($("#view-supervisor"), this);
    this.reports = new ReportsView($("#view-reports"), this);
    this.quality = new QualityView($("#view-quality"), this);
  }

  async signIn(token) {
    const api = new Api(token);
    const me = await api.get("/agents/me");
    this.api = api;
    this.me = me;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("#signin").hidden = true;
    $("#app").hidden = false;
    $("#me-name").textContent = `${me.display_name} · ${me.role}`;
    $("#my-status").value = me.status;
    $("#tab-supervisor").hidden = !["supervisor", "admin"].includes(me.role);
    $("#tab-reports").hidden = !["supervisor", "admin"].includes(me.role);
    $("#tab-quality").hidden = !["supervisor", "admin"].includes(me.role);
    this.live = new LiveUpdates(() => api.liveUrl(), (event) => this.onEvent(event), (up) => this.onLive(up));
    this.live.start();
    await this.refresh();
    setInterval(() => this.tick(), 1000);
  }

  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (this.live) this.live.stop();
    location.reload();
  }

  onLive(up) {
    const badge = $("#live");
    badge.dataset.state = up ? "on" : "off";
    badge.textContent = up ? "Live" : "Reconnecting…";
    if (up) this.scheduleRefresh();
  }

  onEvent(event) {
    if (event.type === "hello") return;
    if (event.type === "message.delivery" && event.data.status === "failed") {
      this.notify(`A reply could not be delivered: ${event.data.error || "unknown error"}`, 8000);
    }
    this.scheduleRefresh();
    this.conversation.onEvent(event);
    this.supervisor.onEvent(event);
  }

  // Several events often arrive together: refresh once for all of them.
  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh().catch((error) => this.report(error)), 100);
  }

  // The waiting list is one page from the server (it can hold thousands); "my conversations" are few.
  async refresh() {
    this.waiting ??= new WaitingList(this, (h) => this.card(h));
    const mine = new URLSearchParams({ status: "assigned", agent_id: this.me.id, limit: "200" });
    const [queues, assigned] = await Promise.all([
      this.api.get("/agents/me/queues"),
      this.api.get(`/handoffs?${mine}`),
      this.waiting.load(),
    ]);
    this.mine = assigned;
    this.renderQueues(queues);
    this.renderLists();
  }

  renderQueues(queues) {
    replaceChildren(
      $("#queues"),
      queues.map((queue) =>
        el(
          "li",
          { class: queue.open_now ? "queue open" : "queue closed" },
          el("span", { class: "queue-name" }, queue.name),
          el("span", { class: "queue-depth", title: "waiting" }, String(queue.depth)),
          el("span", { class: "queue-state" }, queue.open_now ? "open" : "closed"),
        ),
      ),
    );
  }

  renderLists() {
    this.waiting.render();
    const mine = this.mine;
    replaceChildren($("#mine"), mine.length ? mine.map((h) => this.card(h)) : el("li", { class: "none" }, "No open conversations."));
  }

  card(handoff) {
    const selected = this.conversation.handoffId === handoff.id;
    return el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          class: `card priority-${handoff.priority}`,
          "aria-current": selected ? "true" : false,
          dataset: { handoffId: handoff.id, language: handoff.language },
          onclick: () => this.open(handoff.id),
        },
        el(
          "span",
          { class: "card-top" },
          el("span", { class: "lang", lang: handoff.language }, languageLabel(handoff.language)),
          el("span", { class: "channel" }, handoff.channel),
          el("span", { class: `priority ${handoff.priority}` }, handoff.priority),
        ),
        el("span", { class: "summary", dir: "auto" }, handoff.summary || handoff.conversation_id),
        el(
          "span",
          { class: "card-bottom" },
          el("span", { class: "reason" }, handoff.reason.replaceAll("_", " ")),
          el("span", { class: "waited", dataset: { since: handoff.created_at } }, duration(secondsSince(handoff.created_at))),
        ),
      ),
    );
  }

  async open(handoffId) {
    await this.conversation.open(handoffId);
    this.renderLists();
  }

  tick() {
    for (const node of document.querySelectorAll("[data-since]")) {
      node.textContent = duration(secondsSince(node.dataset.since));
    }
    this.conversation.tick();
  }

  showView(name) {
    for (const view of ["conversations", "supervisor", "reports", "quality"]) {
      $(`#view-${view}`).hidden = view !== name;
      $(`#tab-${view}`).setAttribute("aria-pressed", String(view === name));
    }
    if (name === "supervisor") this.supervisor.show();
    else this.supervisor.hide();
    if (name === "reports") this.reports.show();
    if (name === "quality") this.quality.show();
  }

  report(error) {
    this.notify(error instanceof ApiError ? error.message : `Something went wrong: ${error.message || error}`, 6000);
    if (error instanceof ApiError && error.status === 401) this.signOut();
  }

  notify(text, milliseconds = 4000) {
    const toast = $("#toast");
    toast.textContent = text;
    toast.dataset.visible = "true";
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (toast.dataset.visible = "false"), milliseconds);
  }
}

function start() {
  const app = new Console();
  const form = $("#signin-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#signin-error").textContent = "";
    try {
      await app.signIn($("#token").value.trim());
    } catch (error) {
      $("#signin-error").textContent =
        error instanceof ApiError && error.status === 401 ? "Unknown token." : `Sign-in failed: ${error.message}`;
    }
  });
  $("#signout").addEventListener("click", () => app.signOut());
  $("#tab-conversations").addEventListener("click", () => app.showView("conversations"));
  $("#tab-supervisor").addEventListener("click", () => app.showView("supervisor"));
  $("#tab-reports").addEventListener("click", () => app.showView("reports"));
  $("#tab-quality").addEventListener("click", () => app.showView("quality"));
  $("#claim-next").addEventListener("click", async () => {
    try {
      const claimed = await app.api.post("/handoffs/claim-next");
      if (claimed) await app.open(claimed.id);
      else app.notify("Nobody to claim in your queues.");
      await app.refresh();
    } catch (error) {
      app.report(error);
    }
  });
  $("#my-status").addEventListener("change", async (event) => {
    try {
      await app.api.patch("/agents/me", { status: event.target.value });
    } catch (error) {
      app.report(error);
    }
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) app.signIn(saved).catch(() => sessionStorage.removeItem(TOKEN_KEY));
}

start();
