// One conversation: transcript, customer details, knowledge-base suggestions, and what the agent can do with it.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { isRightToLeft, languageLabel } from "/static/common/languages.js";
import { clockTime, duration } from "/static/common/time.js";
import { MacroPicker } from "/static/console/macros.js";
import { CustomerPanel } from "/static/console/customer_panel.js";
import { Attachments } from "/static/console/attachments.js";
import { TemplatePicker } from "/static/console/templates.js";
import { TypingSignal } from "/static/console/typing.js";

const ROLE_NAMES = { customer: "Customer", bot: "Bot", agent: "Agent", event: "Event" };
const KEPT_INPUTS = ["reply", "reply-translation", "resolution", "transfer-agent", "transfer-queue", "kb-query"];
const WINDOW_NAMES = { whatsapp: "WhatsApp", twilio: "WhatsApp", twilio_whatsapp: "WhatsApp", messenger: "Messenger", facebook: "Messenger" };

function messageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Right-to-left for Arabic text; otherwise the browser decides from the text itself.
function direction(language) {
  return isRightToLeft(language) ? "rtl" : "auto";
}

export class ConversationView {
  constructor(container, details, app) {
    this.container = container;
    this.details = details;
    this.app = app;
    this.handoff = null;
    this.handoffId = null;
    this.queues = [];
    this.reloadTimer = null;
    this.suggestions = null; // the last answer (items or an error message), kept across live reloads
    this.suggestionRequest = 0; // only the answer to the latest request is shown
    this.translation = null; // {enabled, provider} of the service, asked once
    this.preview = null; // the reply's translation the agent is checking before it goes
    this.originalsShown = new Set(); // messages whose original text the agent asked to see
    this.customerPanel = new CustomerPanel(app); // the customer's record and earlier handoffs, beside the transcript
    this.attachments = new Attachments(app); // images and documents under their transcript lines, and the file picker
  }

  // The agent's own languages come from their profile; the first one is the one the console shows.
  agentLanguage() {
    return (this.app.me.languages || [])[0] || "en";
  }

  // Translation happens only when it is configured and the agent does not speak the customer's language.
  translating(h) {
    return Boolean(this.translation?.enabled && h.language && !(this.app.me.languages || []).includes(h.language));
  }

  async open(handoffId) {
    const same = handoffId === this.handoffId; // clicking the open conversation again keeps the draft and preview
    this.handoffId = handoffId;
    const [handoff, queues, translation] = await Promise.all([
      this.app.api.get(`/handoffs/${handoffId}`),
      this.app.api.get("/queues"),
      this.translation ? Promise.resolve(this.translation) : this.app.api.get("/translation"),
    ]);
    this.queues = queues;
    this.translation = translation;
    this.suggestions = null;
    if (!same) {
      this.preview = null;
      this.originalsShown = new Set();
    }
    this.show(handoff, { keepDraft: same });
    this.loadSuggestions();
    if (!same) this.customerPanel.load(handoffId, this.details);
    this.markSeen(handoff);
  }

  // The agent has the conversation open: the customer's messages show as read on platforms that support it.
  markSeen(h) {
    if (h.status !== "assigned" || h.agent_id !== this.app.me.id) return;
    this.app.api.request("POST", `/handoffs/${h.id}/seen`).catch(() => {});
  }

  onEvent(event) {
    if (!this.handoffId || event.handoff_id !== this.handoffId) return;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(event.type === "message.customer"), 100);
  }

  async reload(withSuggestions = false) {
    if (!this.handoffId) return;
    try {
      const handoff = await this.app.api.get(`/handoffs/${this.handoffId}`);
      this.show(handoff, { keepDraft: true });
      if (withSuggestions) this.loadSuggestions();
      if (withSuggestions) this.markSeen(handoff);
    } catch (error) {
      this.app.report(error);
    }
  }

  // What the agent is typing survives a live reload of the conversation.
  typedValues() {
    const values = {};
    for (const id of KEPT_INPUTS) {
      const input = document.getElementById(id);
      if (input) values[id] = input.value;
    }
    return values;
  }

  show(handoff, { keepDraft }) {
    const typed = keepDraft ? this.typedValues() : {};
    this.handoff = handoff;
    const mine = handoff.status === "assigned" && handoff.agent_id === this.app.me.id;
    const manager = ["supervisor", "admin"].includes(this.app.me.role);
    replaceChildren(
      this.container,
      this.header(handoff),
      this.transcript(handoff),
      handoff.status === "queued" ? this.claimBar(handoff) : null,
      mine ? this.composer(handoff) : null,
      handoff.status === "assigned" && !mine ? el("p", { class: "info" }, `Handled by ${handoff.agent_id}.`) : null,
      handoff.status !== "closed" && (mine || manager) ? this.actions(handoff) : null,
      handoff.status === "closed" ? el("p", { class: "info" }, `Closed: ${handoff.resolution || ""}`) : null,
    );
    replaceChildren(this.details, ...this.detailSections(handoff));
    this.attachments.decorate(handoff.id, this.container);
    for (const [id, value] of Object.entries(typed)) {
      const input = document.getElementById(id);
      if (input) input.value = value;
    }
    const list = $(".transcript", this.container);
    list.scrollTop = list.scrollHeight;
    this.tick();
  }

  header(h) {
    const confidence = h.language_confidence == null ? "" : ` · ${Math.round(h.language_confidence * 100)}%`;
    return el(
      "header",
      { class: "conversation-header" },
      el("h2", { dir: "auto" }, h.customer?.name || h.customer_id),
      el(
        "p",
        { class: "facts" },
        el("span", { class: "lang", id: "conversation-language", lang: h.language }, languageLabel(h.language) + confidence),
        el("span", {}, h.channel),
        el("span", {}, `queue ${h.queue}`),
        el("span", { class: `status ${h.status}` }, h.status),
        el("span", {}, h.reason.replaceAll("_", " ")),
        el("span", {}, `topic ${h.topic}`),
        el("span", { class: `priority ${h.priority}` }, h.priority),
      ),
    );
  }

  transcript(h) {
    const items = (h.messages || []).map((m) => {
      const kind = m.private ? "note" : m.role;
      const label = m.private ? `Private note · ${m.agent_id || ""}` : m.role === "agent" ? `Agent · ${m.agent_id || ""}` : ROLE_NAMES[m.role] || m.role;
      const language = m.language || (m.role === "customer" ? h.language : null);
      return el(
        "li",
        { class: `message ${kind}`, dataset: { role: kind, messageId: String(m.id), ...(m.delivery_status ? { delivery: m.delivery_status } : {}) } },
        el("span", { class: "meta" }, label, " · ", el("time", { datetime: m.timestamp }, clockTime(m.timestamp))),
        this.messageBody(m, language),
        m.delivery_status ? this.deliveryMarker(h, m) : null,
      );
    });
    return el("ol", { class: "transcript", "aria-label": "Transcript", "aria-live": "polite" }, items);
  }

  // A message in the agent's language when it was translated for them, with the original one click away; a
  // translated reply shows the agent's words and what the customer received.
  messageBody(m, language) {
    const text = (value, lang, extra = {}) => el("p", { class: "text", dir: direction(lang), lang: lang || false, ...extra }, value);
    if (m.original_text) {
      return [
        text(m.original_text, m.original_language),
        el(
          "p",
          { class: "sent-translation" },
          el("small", {}, `Customer received (${languageLabel(m.language)}): `),
          el("span", { dir: direction(m.language), lang: m.language || false }, m.text),
        ),
      ];
    }
    const t = m.translation;
    if (!t) return text(m.text, language);
    if (t.failed) {
      return [text(m.text, language), el("p", { class: "translation-failed", role: "note" }, "Translation unavailable: original shown")];
    }
    const showOriginal = this.originalsShown.has(m.id);
    const toggle = el(
      "button",
      {
        type: "button",
        class: "link show-original",
        "aria-pressed": String(showOriginal),
        onclick: () => {
          if (this.originalsShown.has(m.id)) this.originalsShown.delete(m.id);
          else this.originalsShown.add(m.id);
          this.show(this.handoff, { keepDraft: true });
        },
      },
      showOriginal ? "Show translation" : "Show original",
    );
    return [
      showOriginal ? text(m.text, language, { "data-shown": "original" }) : text(t.text, t.language, { "data-shown": "translation" }),
      el("p", { class: "translated-note" }, el("small", {}, showOriginal ? `${languageLabel(language)} original` : `Translated from ${languageLabel(language)}`), " ", toggle),
    ];
  }

  // Whether the customer got the reply; a failed one says why and can be sent again (it is also retried by itself
  // while the conversation is open).
  deliveryMarker(h, m) {
    if (m.read_at) return el("span", { class: "delivery read", title: `Read ${clockTime(m.read_at)}` }, `✓✓ Read ${clockTime(m.read_at)}`);
    if (m.delivery_status === "delivered") return el("span", { class: "delivery delivered", title: "Delivered" }, "✓ Delivered");
    if (m.delivery_status === "pending") return el("span", { class: "delivery pending" }, "Sending…");
    const canRetry = h.status === "assigned" && (h.agent_id === this.app.me.id || ["supervisor", "admin"].includes(this.app.me.role));
    return el(
      "span",
      { class: "delivery failed", role: "alert" },
      `Not delivered: ${m.delivery_error || "unknown error"}`,
      canRetry
        ? el("button", { type: "button", class: "secondary retry", onclick: () => this.run(() => this.app.api.post(`/handoffs/${h.id}/messages/${m.id}/retry`)) }, "Retry")
        : null,
    );
  }

  claimBar(h) {
    return el(
      "div",
      { class: "claim-bar" },
      el("button", { type: "button", id: "claim", onclick: () => this.run(() => this.app.api.post(`/handoffs/${h.id}/claim`)) }, "Claim"),
      h.expected_wait_seconds != null ? el("span", {}, `Position ${h.position}, expected wait ${duration(h.expected_wait_seconds)}`) : null,
    );
  }

  composer(h) {
    const translating = this.translating(h);
    const own = this.agentLanguage();
    const reply = el("textarea", {
      id: "reply",
      rows: 3,
      dir: direction(translating ? own : h.language),
      lang: translating ? own : h.language,
      placeholder: translating
        ? `Write in ${languageLabel(own)} (Enter translates to ${languageLabel(h.language)}, Shift+Enter for a new line)`
        : "Reply to the customer (Enter sends, Shift+Enter for a new line)",
      "aria-label": "Reply",
    });
    const send = () => (translating ? this.translateDraft(reply) : this.send(reply, false));
    const macros = new MacroPicker(this, h, reply); // before the Enter handler: Enter picks a canned reply first
    new TypingSignal(this.app.api, h.id, reply);
    reply.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
    const windowClosed = h.window_open === false;
    return el(
      "div",
      { class: "composer" },
      translating
        ? el("p", { class: "translation-info", id: "translation-info" }, `You write in ${languageLabel(own)}; the customer reads ${languageLabel(h.language)}. Translate, check, then send.`)
        : null,
      reply,
      macros.element,
      el(
        "div",
        { class: "composer-buttons" },
        translating
          ? el("button", { type: "button", id: "translate", onclick: send, disabled: windowClosed }, "Translate")
          : el("button", { type: "button", id: "send", onclick: send, disabled: windowClosed }, "Send"),
        el("button", { type: "button", id: "add-note", class: "secondary", onclick: () => this.send(reply, true) }, "Add private note"),
        this.attachments.picker(h.id, () => this.reload()),
      ),
      translating && this.preview ? this.previewBox(h, windowClosed) : null,
      windowClosed ? new TemplatePicker(this, h).element : null,
    );
  }

  // The reply in the customer's language, editable; what is in this box is exactly what the customer receives.
  previewBox(h, windowClosed) {
    const p = this.preview;
    const edited = el("textarea", {
      id: "reply-translation",
      rows: 3,
      dir: direction(p.target_language),
      lang: p.target_language,
      "aria-label": `Reply in ${languageLabel(p.target_language)}`,
    });
    edited.value = p.translated;
    return el(
      "div",
      { class: "translation-preview", id: "translation-preview", dataset: { failed: String(p.failed) } },
      el(
        "p",
        { class: p.failed ? "translation-failed" : "preview-label" },
        p.failed
          ? "Translation unavailable: edit the text below or send it as written."
          : `${languageLabel(p.target_language)}, as the customer will receive it (${p.provider}); edit if needed:`,
      ),
      edited,
      el(
        "div",
        { class: "composer-buttons" },
        el("button", { type: "button", id: "send-translation", disabled: windowClosed, onclick: () => this.sendTranslation(edited) }, "Send translation"),
        el("button", { type: "button", id: "discard-translation", class: "secondary", onclick: () => { this.preview = null; this.show(this.handoff, { keepDraft: true }); } }, "Discard"),
      ),
    );
  }

  async translateDraft(textarea) {
    const text = textarea.value.trim();
    const handoffId = this.handoffId;
    if (!text) return;
    try {
      const preview = await this.app.api.post(`/handoffs/${handoffId}/translate-preview`, { text });
      if (handoffId !== this.handoffId) return; // the agent opened another conversation meanwhile
      this.preview = { ...preview, original: text };
      this.show(this.handoff, { keepDraft: true });
      const box = document.getElementById("reply-translation");
      if (box) {
        box.value = preview.translated; // a new preview replaces whatever the previous one held
        box.focus();
      }
    } catch (error) {
      this.app.report(error);
    }
  }

  async sendTranslation(textarea) {
    const text = textarea.value.trim();
    const p = this.preview;
    if (!text || !p) return;
    // A failed translation is sent as the agent's own text, so the transcript does not claim a translation.
    const body = p.failed ? { text, message_id: messageId() } : { text, original_text: p.original, original_language: p.source_language, message_id: messageId() };
    textarea.disabled = true;
    try {
      await this.app.api.post(`/handoffs/${this.handoffId}/replies`, body);
      this.preview = null;
      const reply = $("#reply", this.container);
      if (reply) reply.value = "";
      await this.reload();
    } catch (error) {
      this.app.report(error);
      textarea.disabled = false;
    }
  }

  actions(h) {
    const queue = el(
      "select",
      { id: "transfer-queue", "aria-label": "Transfer to queue" },
      el("option", { value: "" }, "— queue —"),
      this.queues.filter((q) => q.name !== h.queue).map((q) => el("option", { value: q.name }, `${q.name} (${q.depth} waiting)`)),
    );
    const agent = el("input", { id: "transfer-agent", placeholder: "or agent id", "aria-label": "Transfer to agent", size: 12 });
    const resolution = el("input", { id: "resolution", placeholder: "Resolution", "aria-label": "Resolution", value: "" });
    const toBot = el("input", { id: "return-to-bot", type: "checkbox", checked: true });
    return el(
      "div",
      { class: "actions" },
      el(
        "div",
        { class: "action-group" },
        queue,
        agent,
        el(
          "button",
          {
            type: "button",
            id: "transfer",
            class: "secondary",
            onclick: () => {
              const body = {};
              if (queue.value) body.queue = queue.value;
              if (agent.value.trim()) body.agent_id = agent.value.trim();
              if (!body.queue && !body.agent_id) return this.app.notify("Choose a queue or type an agent id.");
              return this.run(() => this.app.api.post(`/handoffs/${h.id}/transfer`, body));
            },
          },
          "Transfer",
        ),
      ),
      el(
        "div",
        { class: "action-group" },
        resolution,
        el("label", { class: "check" }, toBot, " Return to bot"),
        el(
          "button",
          {
            type: "button",
            id: "close",
            onclick: () => {
              const text = resolution.value.trim() || (toBot.checked ? "returned to bot" : "resolved");
              return this.run(() => this.app.api.post(`/handoffs/${h.id}/close`, { resolution: text, return_to_bot: toBot.checked }));
            },
          },
          "Close",
        ),
      ),
    );
  }

  detailSections(h) {
    const profile = h.customer || {};
    const rows = [
      ["Customer id", h.customer_id],
      ["Name", profile.name],
      ["Locale", profile.locale],
      ["Country", profile.country],
      ["Time zone", profile.timezone],
      ["VIP", profile.vip ? "yes" : null],
      ["Conversation", h.conversation_id],
    ].filter(([, value]) => value);
    const confidence = h.language_confidence == null ? "not measured" : `${Math.round(h.language_confidence * 100)}% confident`;
    return [
      el("section", {}, el("h3", {}, "Customer"), el("dl", { class: "profile" }, rows.map(([k, v]) => [el("dt", {}, k), el("dd", { dir: "auto" }, String(v))]))),
      this.customerPanel.section(),
      el(
        "section",
        {},
        el("h3", {}, "Detected language"),
        el("p", { id: "detected-language" }, languageLabel(h.language), el("br"), el("small", {}, confidence)),
        h.language_covered === false ? el("p", { class: "warning" }, "No agent in this queue speaks it.") : null,
        this.translating(h) ? el("p", { class: "translation-info", id: "translated-for-you" }, `Translated for you into ${languageLabel(this.agentLanguage())} (${this.translation.provider}).`) : null,
      ),
      h.summary ? el("section", {}, el("h3", {}, "Summary"), el("p", { dir: "auto" }, h.summary)) : null,
      el(
        "section",
        {},
        el("h3", {}, "KB articles the bot tried"),
        h.kb_articles_tried.length ? el("ul", { id: "kb-tried" }, h.kb_articles_tried.map((a) => el("li", {}, String(a)))) : el("p", { class: "none" }, "None."),
      ),
      this.windowSection(h),
      this.suggestionSection(h),
    ];
  }

  windowSection(h) {
    if (!h.window_closes_at) return null;
    return el(
      "section",
      {},
      el("h3", {}, `${WINDOW_NAMES[h.channel] || h.channel} reply window`),
      el("p", { id: "window-countdown", class: "countdown", dataset: { closes: h.window_closes_at } }),
    );
  }

  suggestionSection(h) {
    const query = el("input", { id: "kb-query", type: "search", placeholder: "Search the knowledge base", "aria-label": "Search the knowledge base", dir: "auto" });
    query.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.loadSuggestions(query.value);
      }
    });
    return el(
      "section",
      { class: "suggestions" },
      el("h3", {}, `Suggested articles (${languageLabel(h.language)})`),
      query,
      this.suggestionList(),
    );
  }

  suggestionList() {
    const items = this.suggestions;
    if (items === null) return el("ul", { id: "suggestions" }, el("li", { class: "none" }, "Loading…"));
    if (typeof items === "string") return el("ul", { id: "suggestions" }, el("li", { class: "none" }, items));
    if (!items.length) return el("ul", { id: "suggestions" }, el("li", { class: "none" }, "No matching article."));
    return el(
      "ul",
      { id: "suggestions" },
      items.map((item) =>
        el(
          "li",
          { class: "suggestion", dataset: { articleId: item.article_id } },
          el("strong", { dir: direction(item.language), lang: item.language }, item.title),
          el("small", {}, ` ${item.article_id} · ${item.language} · score ${item.score.toFixed(2)}${item.already_tried ? " · the bot tried it" : ""}`),
          el("p", { class: "snippet", dir: direction(item.language), lang: item.language }, item.answer),
          el("button", { type: "button", class: "secondary insert", onclick: () => this.insert(item.answer) }, "Insert"),
        ),
      ),
    );
  }

  async loadSuggestions(query = "") {
    const handoffId = this.handoffId;
    const request = ++this.suggestionRequest;
    const params = new URLSearchParams({ k: "3" });
    if (query.trim()) params.set("q", query.trim());
    let items;
    try {
      items = await this.app.api.get(`/handoffs/${handoffId}/suggestions?${params}`);
    } catch (error) {
      items = error.message;
    }
    // An older request answering late (the first one also loads the retriever) must not replace a newer answer.
    if (handoffId !== this.handoffId || request !== this.suggestionRequest) return;
    this.suggestions = items;
    const list = $("#suggestions", this.details);
    if (list) list.replaceWith(this.suggestionList());
  }

  insert(text) {
    const reply = $("#reply", this.container);
    if (!reply) return this.app.notify("Claim the conversation to reply.");
    reply.value = reply.value ? `${reply.value}\n${text}` : text;
    reply.focus();
  }

  async send(textarea, privateNote) {
    const text = textarea.value.trim();
    if (!text) return;
    const path = privateNote ? `/handoffs/${this.handoffId}/notes` : `/handoffs/${this.handoffId}/replies`;
    const body = privateNote ? { text } : { text, message_id: messageId() };
    textarea.disabled = true;
    try {
      await this.app.api.post(path, body);
      textarea.value = "";
      await this.reload();
    } catch (error) {
      this.app.report(error);
    } finally {
      const current = $("#reply", this.container);
      if (current) {
        current.disabled = false;
        current.focus();
      }
    }
  }

  async run(action) {
    try {
      await action();
      await this.reload();
      await this.app.refresh();
    } catch (error) {
      this.app.report(error);
    }
  }

  tick() {
    const countdown = $("#window-countdown", this.details);
    if (!countdown) return;
    const left = (Date.parse(countdown.dataset.closes) - Date.now()) / 1000;
    countdown.textContent = left > 0 ? `${duration(left)} left` : "closed: only template messages can be sent";
    countdown.dataset.urgent = String(left < 3600);
  }
}
