// All visible words come from i18n/<lang>.json; the chosen language is remembered in localStorage.

export const LANGUAGES = ["es-CO", "en"];
const DEFAULT_LANGUAGE = "es-CO";
const STORAGE_KEY = "portico.lang";
// Locale handed to Intl: plain "en" would let the browser pick its own region.
const INTL_LOCALES = {"es-CO": "es-CO", en: "en-US"};

let current = DEFAULT_LANGUAGE;
let strings = {};

export function language() {
  return current;
}

export function intlLocale(lang = current) {
  return INTL_LOCALES[lang] ?? INTL_LOCALES[DEFAULT_LANGUAGE];
}

function storedLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(saved) ? saved : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE; // storage blocked: fall back silently, the switch still works for this page
  }
}

/** Loads the dictionary for `lang` (default: the remembered one) and sets <html lang>; `remember` stores it. */
export async function setLanguage(lang = storedLanguage(), {remember = false} = {}) {
  const chosen = LANGUAGES.includes(lang) ? lang : DEFAULT_LANGUAGE;
  const response = await fetch(new URL(`../i18n/${chosen}.json`, import.meta.url));
  if (!response.ok) throw new Error(`i18n/${chosen}.json: HTTP ${response.status}`);
  strings = await response.json();
  current = chosen;
  document.documentElement.lang = chosen;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, chosen);
  } catch {
    // storage blocked: the language still applies to this page
  }
}

function lookup(key) {
  const text = key.split(".").reduce((node, part) => (node != null && Object.hasOwn(node, part) ? node[part] : undefined), strings);
  return typeof text === "string" ? text : undefined;
}

/** Whether the dictionary has `key` (hasText("api_errors.busy")), without t()'s warning when it has not. */
export function hasText(key) {
  return lookup(key) !== undefined;
}

/** t("login.title") or t("dashboard.greeting", {name}) — `{name}` placeholders are filled from `vars`. */
export function t(key, vars = {}) {
  const text = lookup(key);
  if (text === undefined) {
    console.warn(`i18n: missing "${key}" in ${current}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** Like t(), but placeholders may be DOM nodes: tParts("dashboard.greeting", {name: span}) → ["Hola, ", span]. */
export function tParts(key, vars = {}) {
  return t(key).split(/(\{\w+\})/).filter(Boolean).map((piece) => {
    const name = /^\{(\w+)\}$/.exec(piece)?.[1];
    return name && name in vars ? vars[name] : piece;
  });
}
