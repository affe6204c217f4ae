// The handoff service's API with the agent's token; errors carry the service's own message.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

export class Api {
  constructor(token, base = "/api/v1") {
    this.token = token;
    this.base = base;
  }

  async request(method, path, body) {
    const response = await fetch(this.base + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : `${method} ${path}: HTTP ${response.status}`;
      throw new ApiError(response.status, detail);
    }
    return data;
  }

  get(path) {
    return this.request("GET", path);
  }

  // A page of a listing and the size of the whole listing (the X-Total-Count header).
  async list(path) {
    const response = await fetch(this.base + path, { headers: { Authorization: `Bearer ${this.token}` } });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data && typeof data.detail === "string" ? data.detail : `GET ${path}: HTTP ${response.status}`);
    return { items: data, total: Number(response.headers.get("X-Total-Count") || data.length) };
  }

  post(path, body = {}) {
    return this.request("POST", path, body);
  }

  patch(path, body) {
    return this.request("PATCH", path, body);
  }

  // A single-use ticket for the live socket: the token itself never goes into a URL.
  async liveUrl() {
    const { ticket } = await this.post("/realtime/ticket");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.base}/ws?ticket=${encodeURIComponent(ticket)}`;
  }
}

// A WebSocket that reconnects with back-off (a fresh ticket each time) and reports whether it is connected.
export class LiveUpdates {
  constructor(url, onEvent, onState) {
    this.url = url; // async () => ws URL
    this.onEvent = onEvent;
    this.onState = onState;
    this.delay = 500;
    this.stopped = false;
  }

  async start() {
    if (this.stopped) return;
    let url;
    try {
      url = await this.url();
    } catch (error) {
      this.onState(false);
      if (!(error instanceof ApiError && error.status === 401)) this.retry();
      return;
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "hello") {
        this.delay = 500;
        this.onState(true);
      }
      this.onEvent(event);
    });
    socket.addEventListener("close", () => {
      this.onState(false);
      this.retry();
    });
  }

  retry() {
    if (!this.stopped) setTimeout(() => this.start(), this.delay);
    this.delay = Math.min(this.delay * 2, 15000);
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }
}
