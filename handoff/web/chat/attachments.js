// Sharing a file in the web chat: the file goes to Rasa's web chat channel with the confirmed session token, which
// hands it to the agent during a handoff; refusals (type, size) come back as a message in the customer's language.

// The words about files, per language, come with the web chat's other words (handoff/strings/<code>.yml).
export { FILE_WORDS } from "/static/chat/strings.js";

export const ACCEPTED_FILES = "image/jpeg,image/png,image/gif,image/webp,application/pdf";

// Uploads `file` for the session; resolves to the HTTP status and the channel's answer.
export async function uploadFile(rasaUrl, sessionToken, file) {
  const url = `${rasaUrl.replace(/\/$/, "")}/webhooks/socketio/attachments`;
  const headers = { "X-Session": sessionToken, "Content-Type": "application/octet-stream", "X-Attachment-Filename": encodeURIComponent(file.name) };
  const response = await fetch(url, { method: "POST", headers, body: file });
  const data = await response.json().catch(() => null);
  return { status: response.status, data };
}
