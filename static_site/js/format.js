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

/**
 * formatMoney(175005000, "COP", "es-CO") → "$ 1.750.050"; formatMoney(175005050, "COP", "en-US") →
 * "COP 1,750,050.50". Decimals appear only when the amount has cents. `locale` defaults to the UI's.
 */
export function formatMoney(minorUnits, currency, locale = intlLocale()) {
  const exponent = minorUnitExponent(currency);
  const scale = 10 ** exponent;
  const digits = Number(minorUnits) % scale === 0 ? 0 : exponent;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(minorUnits) / scale);
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
