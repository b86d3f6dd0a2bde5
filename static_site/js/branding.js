// The tenant whose portal this is: its name and logo for the header, its colours through --brand /
// --brand-contrast, kept at WCAG AA contrast whatever the settings say.

import {api} from "./api.js";

const DEFAULT_BRAND = "#0b5394";
const DEFAULT_BRAND_CONTRAST = "#ffffff";
const AA_NORMAL_TEXT = 4.5;
const HEX_COLOUR = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

function channels(hex) {
  let digits = hex.slice(1);
  if (digits.length === 3) digits = [...digits].map((d) => d + d).join("");
  return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16) / 255);
}

// WCAG 2.x relative luminance and contrast ratio.
function luminance(hex) {
  const [r, g, b] = channels(hex).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** The brand pair to use: the tenant's when it passes AA, else its brand with the better of white/near-black. */
export function brandColours(branding = {}) {
  const brand = HEX_COLOUR.test(branding.brand || "") ? branding.brand : DEFAULT_BRAND;
  const wanted = HEX_COLOUR.test(branding.brand_contrast || "") ? branding.brand_contrast : DEFAULT_BRAND_CONTRAST;
  if (contrastRatio(brand, wanted) >= AA_NORMAL_TEXT) return {brand, contrast: wanted};
  const best = ["#ffffff", "#000000"].sort((x, y) => contrastRatio(brand, y) - contrastRatio(brand, x))[0];
  if (contrastRatio(brand, best) >= AA_NORMAL_TEXT) return {brand, contrast: best};
  return {brand: DEFAULT_BRAND, contrast: DEFAULT_BRAND_CONTRAST};
}

/** Logo addresses we are willing to load: http(s) or same-site paths, nothing else (no javascript:, data:). */
export function safeLogoUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Applies the tenant's colours to the page; null restores the defaults. */
export function applyBranding(branding) {
  const {brand, contrast} = brandColours(branding || {});
  const root = document.documentElement.style;
  root.setProperty("--brand", brand);
  root.setProperty("--brand-contrast", contrast);
  // Links and headings use the brand on white, so a light brand falls back to the default ink there.
  root.setProperty("--brand-ink", contrastRatio(brand, "#ffffff") >= AA_NORMAL_TEXT ? brand : DEFAULT_BRAND);
}

let tenant = null; // {slug, name, timezone, currency, branding}
const listeners = new Set();
const publicInfo = new Map(); // slug → Promise of GET /tenants/{slug}/public

export function currentTenant() {
  return tenant;
}

export function onTenantChange(listener) {
  listeners.add(listener);
}

/** Makes `info` (the tenant's public JSON, or null) the page's tenant: colours, header, title. */
export function setTenant(info) {
  if (info?.slug === tenant?.slug && info?.name === tenant?.name) return;
  tenant = info || null;
  applyBranding(tenant?.branding);
  for (const listener of listeners) listener(tenant);
}

/** GET /tenants/{slug}/public once per slug; rejects with the ApiError (404 tenant_not_found). */
export function loadTenant(slug) {
  if (!publicInfo.has(slug)) {
    const pending = api.get(`/tenants/${encodeURIComponent(slug)}/public`, {auth: false});
    pending.catch(() => publicInfo.delete(slug)); // let a later attempt retry
    publicInfo.set(slug, pending);
  }
  return publicInfo.get(slug);
}
