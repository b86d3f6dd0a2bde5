// Runtime settings from config.js (written by the local stack / deploy, not part of this folder).

const config = window.PORTICO_CONFIG || {};

export const apiBase = String(config.apiBase || "http://127.0.0.1:8001/v1").replace(/\/+$/, "");

const TENANT_SLUG = /^[a-z0-9-]{3,40}$/;

/** The portal's tenant: `?tenant=` in the page address wins over config.js; null when neither names one. */
export function configuredTenant() {
  const fromQuery = new URLSearchParams(window.location.search).get("tenant");
  const slug = (fromQuery || config.tenant || "").trim().toLowerCase();
  return TENANT_SLUG.test(slug) ? slug : null;
}
