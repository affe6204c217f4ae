// The customer web chat: talks to Rasa's socket.io channel, in the customer's language (the browser's by default),
// with the language sent as the locale hint in every message's metadata.

import { $, el, replaceChildren } from "/static/common/dom.js";
import { isRightToLeft, LANGUAGES, supportedLanguage } from "/static/common/languages.js";
import { clockTime } from "/static/common/time.js";
import { SocketIoClient } from "/static/chat/socketio.js";
import { STRINGS } from "/static/chat/strings.js";
import { ACCEPTED_FILES, FILE_WORDS, uploadFile } from "/static/chat/attachments.js";

const TYPING_SHOWN_MS = 8000;
const SESSION_KEY = "nimbus.chat.session";
const LANGUAGE_KEY = "nimbus.chat.language";
const HISTORY_KEY = "nimbus.chat.history";
const HISTORY_LIMIT = 200;

// The browser's IANA time zone ("America/Sao_Paulo"), or nothing when the browser does not say.
function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

class WebChat {
  constructor(config) {
    this.languages = config.languages;
    this.language = localStorage.getItem(LANGUAGE_KEY) || supportedLanguage(navigator.language, this.languages) || "en";
    this.sessionId = localStorage.getItem(SESSION_KEY);
    this.pending = [];
    this.history = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]");
    this.socket = new SocketIoClient(config.rasa_url);
    this.rasaUrl = config.rasa_url;
    this.socket
      .on("connect", () => this.onConnect())
      .on("disconnect", () => this.setState("offline"))
      .on("session_confirm", (sessionId) => this.onSession(sessionId))
      .on("bot_uttered", (message) => this.onBotMessage(message))
      .on("agent_typing", (signal) => this.onAgentTyping(signal));
  }

  // The agent's typing shows until they stop, their message arrives, or a while passes without a new signal.
  onAgentTyping(signal) {
    const line = $("#typing");
    clearTimeout(this.typingTimer);
    line.textContent = this.words().typing;
    line.hidden = !(signal && signal.typing);
    if (!line.hidden) this.typingTimer = setTimeout(() => { line.hidden = true; }, TYPING_SHOWN_MS);
  }

  start() {
    this.buildLanguagePicker();
    this.applyLanguage();
    for (const entry of this.history) this.render(entry, false);
    if (!this.history.length) this.render({ from: "bot", text: this.words().welcome, time: new Date().toISOString(), local: true }, false);
    $("#composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    $("#message").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    const attach = $("#attach");
    attach.setAttribute("accept", ACCEPTED_FILES);
    attach.addEventListener("change", () => this.sendFile(attach));
    this.setState("connecting");
    this.socket.connect();
  }

  words() {
    return STRINGS[this.language] || STRINGS.en;
  }

  // The locale hint: the browser's own locale when it is in the chosen language (es-MX), else the language code.
  locale() {
    return supportedLanguage(navigator.language, this.languages) === this.language ? navigator.language : this.language;
  }

  buildLanguagePicker() {
    const picker = $("#language");
    replaceChildren(picker, this.languages.map((code) => el("option", { value: code, lang: code }, LANGUAGES[code] || code)));
    picker.value = this.language;
    picker.addEventListener("change", () => {
      this.language = picker.value;
      localStorage.setItem(LANGUAGE_KEY, this.language);
      this.applyLanguage();
    });
  }

  applyLanguage() {
    const words = this.words();
    document.documentElement.lang = this.language;
    document.documentElement.dir = isRightToLeft(this.language) ? "rtl" : "ltr";
    document.title = words.title;
    $("#title").textContent = words.title;
    $("#language-label").textContent = words.language;
    $("#message").placeholder = words.placeholder;
    $("#send").textContent = words.send;
    this.setState(this.state || "connecting");
  }

  setState(state) {
    this.state = state;
    const badge = $("#state");
    badge.dataset.state = state;
    badge.textContent = this.words()[state];
  }

  // Resuming offers the timestamp of the last bot message shown: the server sends what came after it (a reply that
  // arrived while the socket was reconnecting reached nobody).
  onConnect() {
    this.socket.emit("session_request", { session_id: this.sessionId, after: this.lastStamp() });
  }

  lastStamp() {
    const stamps = this.history.map((entry) => entry.stamp).filter((stamp) => typeof stamp === "number");
    return stamps.length ? Math.max(...stamps) : undefined;
  }

  // A message read back after a reconnect may also have been pushed to the rejoined socket: shown once.
  shown(stamp, entry) {
    return this.history.some(
      (seen) => seen.stamp === stamp && seen.text === entry.text && seen.image === entry.image && seen.file?.url === entry.file?.url,
    );
  }

  onSession(sessionId) {
    this.sessionId = sessionId;
    localStorage.setItem(SESSION_KEY, sessionId);
    this.setState("online");
    const waiting = this.pending.splice(0);
    for (const message of waiting) this.emit(message);
  }

  sendTyped() {
    const input = $("#message");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    this.send(text, text);
  }

  // `shown` is what the customer sees (a button's title), `text` what Rasa receives (its payload).
  send(text, shown) {
    this.remember({ from: "customer", text: shown, time: new Date().toISOString() });
    this.emit(text);
  }

  // Messages typed while disconnected wait and go out, in order, once the session is confirmed again.
  emit(text) {
    const sent =
      this.state === "online" &&
      this.socket.emit("user_uttered", {
        message: text,
        session_id: this.sessionId,
        // The browser's time zone: times the bot tells ("they open at ...") are then in the customer's own.
        metadata: { locale: this.locale(), language: this.language, timezone: browserTimeZone() },
      });
    if (!sent) this.pending.push(text);
  }

  onBotMessage(message) {
    this.onAgentTyping({ typing: false });
    const stamp = typeof message.timestamp === "number" ? message.timestamp : undefined;
    const time = stamp === undefined ? new Date().toISOString() : new Date(stamp * 1000).toISOString();
    const entries = [];
    if (message.text) entries.push({ from: "bot", text: message.text, time, buttons: message.quick_replies || message.buttons || [] });
    const image = message.attachment && message.attachment.type === "image" ? message.attachment.payload?.src : null;
    if (image && /^https?:\/\//.test(image)) entries.push({ from: "bot", image, time });
    const file = message.attachment && message.attachment.type === "file" ? message.attachment.payload : null;
    if (file && /^https?:\/\//.test(file.src || "")) entries.push({ from: "bot", file: { url: file.src, name: file.name || "file" }, time });
    for (const entry of entries) {
      if (stamp !== undefined && this.shown(stamp, entry)) continue;
      this.remember(stamp === undefined ? entry : { ...entry, stamp });
    }
  }

  // A file the customer picked: sent to the channel, shown as theirs; a refusal arrives as a bot message.
  async sendFile(input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file || !this.sessionId) return;
    const words = FILE_WORDS[this.language] || FILE_WORDS.en;
    const time = new Date().toISOString();
    try {
      const { status } = await uploadFile(this.rasaUrl, this.sessionId, file);
      if (status === 200) this.remember({ from: "customer", text: `📎 ${file.name}`, time });
      else this.remember({ from: "bot", text: status === 413 ? words.tooLarge : words.failed, time, local: true });
    } catch {
      this.remember({ from: "bot", text: words.failed, time, local: true });
    }
  }

  // A bot message goes in its place by timestamp, not last: one read back after a reconnect can arrive after a newer
  // one pushed to the rejoined room, and the customer must read them in the order they were sent.
  remember(entry) {
    const later = laterThan(entry.stamp, (index) => this.history[index]?.stamp, this.history.length);
    this.history.splice(later, 0, entry);
    this.history = this.history.slice(-HISTORY_LIMIT);
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(this.history));
    this.render(entry, true);
  }

  render(entry, scroll) {
    const words = this.words();
    const list = $("#messages");
    const stamped = typeof entry.stamp === "number";
    const bubble = el(
      "li",
      { class: `bubble ${entry.from}`, dataset: stamped ? { from: entry.from, stamp: String(entry.stamp) } : { from: entry.from } },
      el("span", { class: "who" }, entry.from === "customer" ? words.you : words.bot, " · ", el("time", { datetime: entry.time }, clockTime(entry.time))),
      entry.text ? el("p", { class: "text", dir: "auto" }, entry.text) : null,
      entry.image ? el("img", { src: entry.image, alt: "" }) : null,
      entry.file ? el("a", { class: "file", href: entry.file.url, target: "_blank", rel: "noopener noreferrer" }, `📄 ${entry.file.name}`) : null,
    );
    const buttons = (entry.buttons || []).filter((b) => b && b.title);
    if (buttons.length) {
      bubble.append(
        el(
          "div",
          { class: "buttons" },
          buttons.map((button) =>
            el("button", { type: "button", class: "quick-reply", dir: "auto", onclick: () => this.send(button.payload || button.title, button.title) }, button.title),
          ),
        ),
      );
    }
    const items = list.children;
    const later = laterThan(entry.stamp, (index) => Number(items[index].dataset.stamp), items.length);
    list.insertBefore(bubble, items[later] || null);
    if (scroll) list.scrollTop = list.scrollHeight;
  }
}

// The index of the first of `count` shown messages with a timestamp later than `stamp` (`stampAt` gives each one's,
// NaN or undefined when it has none), or `count` when there is none or `stamp` is not a number: where it is shown.
function laterThan(stamp, stampAt, count) {
  if (typeof stamp !== "number") return count;
  for (let index = 0; index < count; index += 1) {
    if (stampAt(index) > stamp) return index;
  }
  return count;
}

async function start() {
  const config = await fetch("/chat/config.json").then((response) => response.json());
  const chat = new WebChat(config);
  chat.start();
  window.nimbusChat = chat;
}

start();
