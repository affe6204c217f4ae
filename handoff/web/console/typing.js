// The agent's typing, shown to the customer where the channel supports it: "typing" at most every few seconds
// while keys are pressed, "stopped" after a pause or when the reply box loses focus (the service throttles too).

const EVERY_MS = 4000;
const PAUSE_MS = 6000;

export class TypingSignal {
  constructor(api, handoffId, textarea) {
    this.api = api;
    this.handoffId = handoffId;
    this.lastSent = 0;
    this.typing = false;
    this.stopTimer = null;
    textarea.addEventListener("input", () => this.onInput(textarea));
    textarea.addEventListener("blur", () => this.stop());
  }

  onInput(textarea) {
    clearTimeout(this.stopTimer);
    if (!textarea.value.trim()) return this.stop();
    if (!this.typing || Date.now() - this.lastSent >= EVERY_MS) this.signal(true);
    this.stopTimer = setTimeout(() => this.stop(), PAUSE_MS);
  }

  stop() {
    clearTimeout(this.stopTimer);
    if (this.typing) this.signal(false);
  }

  signal(on) {
    this.typing = on;
    this.lastSent = Date.now();
    // Informative only: a failure is not worth interrupting the agent.
    this.api.request("POST", `/handoffs/${this.handoffId}/typing`, { typing: on }).catch(() => {});
  }
}
