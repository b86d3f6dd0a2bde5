// The one way views talk to the API: JSON in and out, bearer token, errors as ApiError.

import {hasText, language, t} from "./i18n.js";
import {apiBase} from "./settings.js";
import {sessionToken} from "./session.js";

export class ApiError extends Error {
  /** `message` is what the UI shows; `apiMessage` what the API said (English), kept for debugging. */
  constructor({status, code, message, details, apiMessage = message}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.apiMessage = apiMessage;
  }

  /** details.fields: field name → what is wrong with it. */
  get fields() {
    return this.details.fields || {};
  }
}

let unauthorizedHandler = () => {};

/** Registers what happens when an authenticated call answers 401 (app.js: sign out, go to #/login). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * request("GET", "/me") → parsed JSON (or null for 204). `auth` (default true) sends the session token;
 * public calls (login, password, tenant branding) pass auth: false. `headers` adds request headers
 * (an Idempotency-Key).
 */
export async function request(method, path, {body, auth = true, headers: extraHeaders} = {}) {
  const headers = {Accept: "application/json", "Accept-Language": language(), ...extraHeaders};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && sessionToken()) headers.Authorization = `Bearer ${sessionToken()}`;

  let response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", // the bearer token is the only credential; no cookies
    });
  } catch {
    throw new ApiError({status: 0, code: "network_error", message: t("errors.network")});
  }

  const payload = await readJson(response);
  if (response.ok) return payload;

  const code = payload?.error?.code || "http_error";
  const apiMessage = payload?.error?.message;
  const error = new ApiError({
    status: response.status,
    code,
    message: errorMessage(code, apiMessage, response.status),
    apiMessage,
    details: payload?.error?.details,
  });
  if (response.status === 401 && auth) unauthorizedHandler(error);
  throw error;
}

/**
 * The sentence to show for an API error: the UI's own words for its `code` (i18n "api_errors", in the
 * portal's language), else the API's message for a code this UI does not know yet, else a generic one.
 */
export function errorMessage(code, apiMessage, status) {
  const key = `api_errors.${code}`;
  if (hasText(key)) return t(key);
  return apiMessage || t("errors.unexpected", {status});
}

async function readJson(response) {
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    return null; // not JSON (a proxy's HTML error page): the caller gets a generic message
  }
}

/** withQuery("/portal/invoices", {status: "paid", q: ""}) → "/portal/invoices?status=paid" (empty values left out). */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, body, options) => request("POST", path, {...options, body}),
  delete: (path, options) => request("DELETE", path, options),
};
