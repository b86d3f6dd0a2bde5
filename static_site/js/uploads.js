// Attachments: the one way a view checks a chosen file and uploads it (register, then PUT straight to S3
// with the presigned request); invoice comments and support cases use it.

import {api, ApiError} from "./api.js";
import {formatFileSize} from "./format.js";
import {t} from "./i18n.js";
import {safeHttpUrl} from "./views/billing.js";

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const ATTACHMENT_TYPES = {pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg"};

export function contentTypeOf(file) {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name || "")?.[1]?.toLowerCase();
  return ATTACHMENT_TYPES[extension] || null;
}

/** The problem with `file` as an attachment, in the user's words; null when it is fine. */
export function attachmentProblem(file, maxBytes = MAX_ATTACHMENT_BYTES) {
  if (!file) return null;
  if (!contentTypeOf(file)) return t("comments.file_type", {name: file.name});
  if (file.size > maxBytes) {
    return t("comments.file_too_big", {name: file.name, size: formatFileSize(file.size), max: formatFileSize(maxBytes)});
  }
  if (file.size === 0) return t("comments.file_empty", {name: file.name});
  return null;
}

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Registers `file` as an upload and PUTs it to S3; returns its upload id. Errors name `attachment_ids`. */
export async function uploadFile(file) {
  const contentType = contentTypeOf(file);
  let grant;
  try {
    grant = await api.post("/portal/uploads", {filename: file.name, content_type: contentType, size: file.size});
  } catch (error) {
    // The upload's own fields (filename, content_type, size) all describe the chosen file.
    if (error instanceof ApiError && Object.keys(error.fields).length) {
      throw new ApiError({...error, message: error.message, details: {fields: {attachment_ids: Object.values(error.fields).join(" ")}}});
    }
    throw error;
  }
  if (grant.max_size && file.size > grant.max_size) {
    throw new ApiError({status: 422, code: "file_too_large", message: attachmentProblem(file, grant.max_size),
      details: {fields: {attachment_ids: attachmentProblem(file, grant.max_size)}}});
  }
  const target = safeHttpUrl(grant.url);
  let response;
  try {
    response = await fetch(target, {method: grant.method || "PUT", headers: grant.headers || {}, body: file, credentials: "omit"});
  } catch {
    response = null;
  }
  if (!response?.ok) {
    throw new ApiError({status: response?.status || 0, code: "upload_failed", message: t("comments.upload_failed"),
      details: {fields: {attachment_ids: t("comments.upload_failed")}}});
  }
  return grant.upload_id;
}
