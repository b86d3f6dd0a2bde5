// Money and dates for every view. Money arrives as integer minor units; dates as YYYY-MM-DD.

import {intlLocale} from "./i18n.js";

// ISO 4217 exponents that differ from 2. Intl's own digits follow CLDR, which disagrees for some
// currencies (COP is 2 in ISO 4217 and in our data, 0 in some CLDR versions), so we do not ask Intl.
const MINOR_UNIT_EXPONENTS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function minorUnitExponent(currency) {
  return MINOR_UNIT_EXPONENTS[currency.toUpperCase()] ?? 2;
}

// Intl formatters are costly to build and a statement writes hundreds of amounts.
const moneyFormats = new Map();

function moneyFormat(locale, currency, digits) {
  const key = `${locale}|${currency}|${digits}`;
  if (!moneyFormats.has(key)) {
    moneyFormats.set(key, new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      // "$" is the peso in Spanish only; every other currency, and every currency in English, by its code.
      currencyDisplay: currency === "COP" && locale.startsWith("es") ? "symbol" : "code",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }));
  }
  return moneyFormats.get(key);
}

/** Whether `minorUnits` of `currency` are not a whole number of units (175005050 COP: yes). */
export function hasCents(minorUnits, currency) {
  return Number(minorUnits) % 10 ** minorUnitExponent(currency) !== 0;
}

/** Whether a set of amounts read together shows decimals: when any of them has cents (non-integers do not count). */
export function showsCents(amounts, currency) {
  return amounts.some((amount) => Number.isInteger(amount) && hasCents(amount, currency));
}

/**
 * formatMoney(175005000, "COP", "es-CO") → "$ 1.750.050"; formatMoney(175005050, "COP", "en-US") →
 * "COP 1,750,050.50"; other currencies by their code ("USD 1.234,50"). Decimals appear when the amount has
 * cents, or when `cents` says the set it is read with has them (showsCents; docs/decisions.md "Money on
 * screen, PDF and mail"). The same vectors as the PDFs' and mails' format_money
 * (tests/fixtures/money-format.json). `locale` defaults to the UI's.
 */
export function formatMoney(minorUnits, currency, locale = intlLocale(), {cents = false} = {}) {
  const code = currency.toUpperCase();
  const exponent = minorUnitExponent(code);
  const {units, fraction} = minorDigits(minorUnits, exponent);
  const shown = exponent && (cents || hasCents(minorUnits, code)) ? exponent : 0;
  // Intl reads a decimal string exactly, so no floating point touches the amount: 175005050 → "1750050.50".
  const sign = Math.trunc(Number(minorUnits)) < 0 ? "-" : "";
  return moneyFormat(locale, code, shown).format(`${sign}${units}${fraction ? `.${fraction}` : ""}`);
}

/** minorDigits(175005050, 2) → {units: "1750050", fraction: "50"}: the amount's digits, no floating point. */
function minorDigits(minorUnits, exponent) {
  const digits = String(Math.trunc(Math.abs(Number(minorUnits) || 0))).padStart(exponent + 1, "0");
  return exponent ? {units: digits.slice(0, -exponent), fraction: digits.slice(-exponent)} : {units: digits, fraction: ""};
}

/** The decimal and grouping marks of `locale` ("," and "." for es-CO; "." and "," for en-US). */
function numberMarks(locale) {
  const parts = new Intl.NumberFormat(locale, {useGrouping: true}).formatToParts(12345.6);
  return {
    decimal: parts.find((p) => p.type === "decimal")?.value || ".",
    group: parts.find((p) => p.type === "group")?.value || ",",
  };
}

/**
 * An amount in minor units as a person would type it, without the currency sign: formatAmountInput(175005000,
 * "COP", "es-CO") → "1.750.050", 175005050 → "1.750.050,50". Integer arithmetic only.
 */
export function formatAmountInput(minorUnits, currency, locale = intlLocale()) {
  const {units, fraction} = minorDigits(minorUnits, minorUnitExponent(currency));
  const grouped = new Intl.NumberFormat(locale, {maximumFractionDigits: 0}).format(BigInt(units));
  return /[1-9]/.test(fraction) ? `${grouped}${numberMarks(locale).decimal}${fraction}` : grouped;
}

// Above this many digits an amount is beyond any balance (and beyond exact Number integers).
const MAX_AMOUNT_DIGITS = 15;

/**
 * What a person typed as money ("1.750.050", "1750050,50", "$ 1,750,050.50") → {minor} in integer minor
 * units, or {error: "empty" | "format" | "decimals" | "negative" | "too_large"}. No floating point anywhere.
 * Separators: with both "." and "," the last one is the decimal mark; a lone mark is the decimal mark when it
 * is the language's own, or when it is not followed by exactly three digits ("1.750" is 1750 in es-CO and
 * "1750.5" is 1750,5); a mark repeated is grouping, whose groups must have three digits.
 */
export function parseMoneyInput(text, currency, locale = intlLocale()) {
  const exponent = minorUnitExponent(currency);
  let value = String(text ?? "").replace(/[\s\u00a0\u202f$]/g, "");
  if (value.toUpperCase().startsWith(currency.toUpperCase())) value = value.slice(currency.length);
  if (value.toUpperCase().endsWith(currency.toUpperCase())) value = value.slice(0, -currency.length);
  if (!value) return {error: "empty"};
  if (/^[-\u2212]/.test(value)) return {error: "negative"};
  if (!/^[\d.,]+$/.test(value) || !/\d/.test(value)) return {error: "format"};

  const {decimal: localeDecimal} = numberMarks(locale);
  const lastDot = value.lastIndexOf(".");
  const lastComma = value.lastIndexOf(",");
  let decimalMark = null;
  if (lastDot >= 0 && lastComma >= 0) {
    decimalMark = lastDot > lastComma ? "." : ",";
  } else if (lastDot >= 0 || lastComma >= 0) {
    const mark = lastDot >= 0 ? "." : ",";
    const count = value.split(mark).length - 1;
    const after = value.length - value.lastIndexOf(mark) - 1;
    if (count === 1 && (mark === localeDecimal || after !== 3)) decimalMark = mark;
  }
  const cut = decimalMark ? value.lastIndexOf(decimalMark) : value.length;
  const whole = value.slice(0, cut) || "0";
  const fraction = decimalMark ? value.slice(cut + 1) : "";
  if (!/^\d*$/.test(fraction)) return {error: "format"};
  // The whole part: plain digits, or groups of three after a first group of one to three digits.
  if (!/^\d+$/.test(whole) && !/^\d{1,3}([.,])\d{3}(\1\d{3})*$/.test(whole)) return {error: "format"};
  if (fraction.length > exponent) return {error: "decimals"}; // "1,750" in es-CO: 1,75 or 1750? Ask, never guess.

  const digits = (whole.replace(/\D/g, "") + fraction.padEnd(exponent, "0")).replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_AMOUNT_DIGITS) return {error: "too_large"};
  return {minor: Number(digits)};
}

const DAY_MONTH_YEAR = /^(\d{4})-(\d{2})-(\d{2})$/;

// Intl writes "23 de nov de 2026" or "23 nov. 2026" depending on the ICU version; we want one shape
// per language, so we take Intl's parts (localized month) and place them ourselves.
function assembleDate(parts, locale) {
  const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
  const month = part("month").replace(/\.$/, "");
  return locale.startsWith("en") ? `${month} ${part("day")}, ${part("year")}` : `${part("day")} ${month} ${part("year")}`;
}

/** formatDate("2026-11-23") → "23 nov 2026" (es-CO) / "Nov 23, 2026" (en); no time-zone drift. */
export function formatDate(isoDate, locale = intlLocale()) {
  const match = DAY_MONTH_YEAR.exec(isoDate ?? "");
  if (!match) return isoDate ?? "";
  const [, year, month, day] = match.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  const formatter = new Intl.DateTimeFormat(locale, {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"});
  return assembleDate(formatter.formatToParts(date), locale);
}

/** An ISO 8601 instant shown in `timeZone` (the tenant's): "23 nov 2026, 10:42". */
export function formatDateTime(isoInstant, timeZone = "America/Bogota", locale = intlLocale()) {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) return isoInstant ?? "";
  const parts = new Intl.DateTimeFormat(locale, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone,
  }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${assembleDate(parts, locale)}, ${part("hour")}:${part("minute")}`;
}

/** An ISO 8601 instant's time of day in `timeZone` (the tenant's), 24-hour: "10:42". */
export function formatTime(isoInstant, timeZone = "America/Bogota", locale = intlLocale()) {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) return isoInstant ?? "";
  return new Intl.DateTimeFormat(locale, {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone}).format(date);
}

/** Today's date (YYYY-MM-DD) in `timeZone` (the tenant's), whatever the browser's own zone is. */
export function todayIn(timeZone = "America/Bogota", now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", {year: "numeric", month: "2-digit", day: "2-digit", timeZone})
    .formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** Whole days from `fromDate` to `toDate` (both YYYY-MM-DD): daysBetween("2026-11-20", "2026-11-23") → 3. */
export function daysBetween(fromDate, toDate) {
  const day = (iso) => {
    const match = DAY_MONTH_YEAR.exec(iso ?? "");
    return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  };
  return Math.round((day(toDate) - day(fromDate)) / 86_400_000);
}

/**
 * monthName(11) → "Noviembre" (es-CO) / "November" (en), capitalised for pickers and headings;
 * {capitalize: false} keeps the language's own case for the middle of a sentence ("noviembre").
 */
export function monthName(month, locale = intlLocale(), {capitalize = true} = {}) {
  const name = new Intl.DateTimeFormat(locale, {month: "long", timeZone: "UTC"}).format(new Date(Date.UTC(2000, month - 1, 1)));
  return capitalize ? name.charAt(0).toLocaleUpperCase(locale) + name.slice(1) : name;
}

/** formatFileSize(1536) → "1,5 KB"; sizes in the UI's language. */
export function formatFileSize(bytes, locale = intlLocale()) {
  const units = ["B", "KB", "MB", "GB"];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(locale, {maximumFractionDigits: unit === 0 ? 0 : 1}).format(value);
  return `${number} ${units[unit]}`;
}
