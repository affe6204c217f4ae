// Saving a file the API serves: fetched with the token in a header (never in a URL), then saved under the file name
// the service chose in Content-Disposition.

import { el } from "/static/common/dom.js";

export async function downloadFile(api, path, fallbackName) {
  const response = await fetch(`${api.base}${path}`, { headers: { Authorization: `Bearer ${api.token}` } });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new Error((data && typeof data.detail === "string" && data.detail) || `HTTP ${response.status}`);
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: match ? match[1] : fallbackName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
