// Form plumbing shared by the views: labelled fields with an error slot, API errors placed next to the
// field that `details.fields` names, and a busy state while a request runs.

import {ApiError} from "./api.js";
import {h} from "./dom.js";
import {t} from "./i18n.js";

/**
 * A labelled input with a hint and an error slot wired through aria-describedby.
 * `field` is the API's name for it (details.fields key), so errors find their input.
 */
export function inputField({id, field, label, type = "text", hint, ...attrs}) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  return h("div", {class: "field"},
    h("label", {for: id}, label),
    hint ? h("p", {class: "field-hint", id: hintId}, hint) : null,
    h("input", {id, name: field, type, dataset: {field}, "aria-describedby": [hintId, errorId].filter(Boolean).join(" "), ...attrs}),
    h("p", {class: "field-error", id: errorId}));
}

/** Clears every field error and the form's error region. */
export function clearErrors(form, errorRegion) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  if (errorRegion) errorRegion.textContent = "";
}

/** Marks one field invalid with `message`; returns the input (or null when the form has no such field). */
export function setFieldError(form, field, message) {
  const input = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (!input) return null;
  input.setAttribute("aria-invalid", "true");
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) slot.textContent = message;
  return input;
}

/**
 * Shows an ApiError: its message in `errorRegion` (role=alert), and each details.fields entry next to
 * its field. Focus goes to the first invalid field, else stays where it is (the alert is announced).
 */
export function showApiError(form, errorRegion, error) {
  clearErrors(form, errorRegion);
  if (!(error instanceof ApiError)) console.error(error); // a bug here, not an API answer
  errorRegion.textContent = error instanceof ApiError ? error.message : t("errors.unexpected_client");
  const invalid = Object.entries(error.fields || {}).map(([field, message]) => setFieldError(form, field, message));
  invalid.find(Boolean)?.focus();
}

/** Client-side "required" check with our own words; true when every value is present. */
export function requireValues(form, errorRegion, values) {
  const missing = Object.entries(values).filter(([, value]) => !value).map(([field]) => field);
  if (!missing.length) return true;
  missing.forEach((field) => setFieldError(form, field, t("errors.required")));
  errorRegion.textContent = t("errors.fix_fields");
  form.querySelector("[aria-invalid]")?.focus();
  return false;
}

/** Disables the submit button (and says so) while `work` runs. */
export async function whileBusy(button, busyLabel, work) {
  const idleLabel = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = idleLabel;
  }
}
