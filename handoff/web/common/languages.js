// The six languages of the assistant, named in their own language.

export const LANGUAGES = {
  en: "English",
  es: "Español",
  pt: "Português",
  fr: "Français",
  ar: "العربية",
  zh: "中文",
};

const RIGHT_TO_LEFT = new Set(["ar", "he", "fa", "ur"]);

export function languageLabel(code) {
  const name = LANGUAGES[code];
  return name ? `${name} (${code})` : String(code || "?");
}

export function isRightToLeft(code) {
  return RIGHT_TO_LEFT.has(String(code || "").split("-")[0]);
}

// The supported language that best fits a browser locale such as "es-MX" or "pt-BR"; null when none does.
export function supportedLanguage(locale, supported = Object.keys(LANGUAGES)) {
  const base = String(locale || "").toLowerCase().split(/[-_]/)[0];
  return supported.includes(base) ? base : null;
}
