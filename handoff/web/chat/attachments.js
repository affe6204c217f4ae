// Sharing a file in the web chat: the file goes to Rasa's web chat channel with the confirmed session token, which
// hands it to the agent during a handoff; refusals (type, size) come back as a message in the customer's language.

export const FILE_WORDS = {
  en: { attach: "Attach a file", tooLarge: "Sorry, this file is too large for us to receive. Please send a smaller one.", failed: "The file could not be sent." },
  es: { attach: "Adjuntar un archivo", tooLarge: "Lo sentimos, este archivo es demasiado grande. Por favor, envía uno más pequeño.", failed: "No se pudo enviar el archivo." },
  pt: { attach: "Anexar um arquivo", tooLarge: "Desculpe, este arquivo é grande demais. Por favor, envie um menor.", failed: "Não foi possível enviar o arquivo." },
  fr: { attach: "Joindre un fichier", tooLarge: "Désolé, ce fichier est trop volumineux. Merci d'en envoyer un plus petit.", failed: "Le fichier n'a pas pu être envoyé." },
  ar: { attach: "إرفاق ملف", tooLarge: "عذرًا، هذا الملف كبير جدًا. يُرجى إرسال ملف أصغر.", failed: "تعذّر إرسال الملف." },
  zh: { attach: "添加文件", tooLarge: "抱歉，此文件太大，无法接收。请发送较小的文件。", failed: "无法发送该文件。" },
};

export const ACCEPTED_FILES = "image/jpeg,image/png,image/gif,image/webp,application/pdf";

// Uploads `file` for the session; resolves to the HTTP status and the channel's answer.
export async function uploadFile(rasaUrl, sessionToken, file) {
  const url = `${rasaUrl.replace(/\/$/, "")}/webhooks/socketio/attachments`;
  const headers = { "X-Session": sessionToken, "Content-Type": "application/octet-stream", "X-Attachment-Filename": encodeURIComponent(file.name) };
  const response = await fetch(url, { method: "POST", headers, body: file });
  const data = await response.json().catch(() => null);
  return { status: response.status, data };
}
