// A small Socket.IO client (protocol 5 over Engine.IO 4, WebSocket transport only): enough for Rasa's socket.io
// channel, with no library to download. Reconnects with back-off; handlers registered with on() survive reconnects.

const ENGINE_OPEN = "0";
const ENGINE_CLOSE = "1";
const ENGINE_PING = "2";
const ENGINE_PONG = "3";
const ENGINE_MESSAGE = "4";
const SOCKET_CONNECT = "0";
const SOCKET_DISCONNECT = "1";
const SOCKET_EVENT = "2";
const SOCKET_CONNECT_ERROR = "4";

export class SocketIoClient {
  constructor(baseUrl, path = "/socket.io/") {
    const url = new URL(path, baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = "EIO=4&transport=websocket";
    this.url = url.toString();
    this.handlers = new Map();
    this.connected = false;
    this.delay = 500;
    this.closedByUs = false;
  }

  on(name, handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(handler);
    return this;
  }

  fire(name, ...args) {
    for (const handler of this.handlers.get(name) || []) handler(...args);
  }

  connect() {
    this.closedByUs = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(String(message.data)));
    socket.addEventListener("close", () => {
      const wasConnected = this.connected;
      this.connected = false;
      if (wasConnected) this.fire("disconnect");
      if (!this.closedByUs) {
        setTimeout(() => this.connect(), this.delay);
        this.delay = Math.min(this.delay * 2, 15000);
      }
    });
  }

  receive(packet) {
    const type = packet[0];
    if (type === ENGINE_OPEN) {
      this.socket.send(ENGINE_MESSAGE + SOCKET_CONNECT);
    } else if (type === ENGINE_PING) {
      this.socket.send(ENGINE_PONG);
    } else if (type === ENGINE_CLOSE) {
      this.socket.close();
    } else if (type === ENGINE_MESSAGE) {
      this.receiveSocketPacket(packet.slice(1));
    }
  }

  receiveSocketPacket(packet) {
    const type = packet[0];
    if (type === SOCKET_CONNECT) {
      this.connected = true;
      this.delay = 500;
      this.fire("connect");
    } else if (type === SOCKET_EVENT) {
      const [name, ...args] = JSON.parse(packet.slice(packet.indexOf("[")));
      this.fire(name, ...args);
    } else if (type === SOCKET_CONNECT_ERROR) {
      this.fire("connect_error", packet.slice(1));
    } else if (type === SOCKET_DISCONNECT) {
      this.socket.close();
    }
  }

  emit(name, data) {
    if (!this.connected) return false;
    this.socket.send(ENGINE_MESSAGE + SOCKET_EVENT + JSON.stringify([name, data]));
    return true;
  }

  close() {
    this.closedByUs = true;
    if (this.socket) this.socket.close();
  }
}
