// Pieces shared by the billing pages (receivables, statement, invoices, invoice detail, dashboard cards):
// invoice state badges, days overdue, links, download buttons and the "could not load" block.

import {announce, h, replace} from "../dom.js";
import {daysBetween, todayIn} from "../format.js";
import {whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {currentUser, hasAction} from "../session.js";

/** Whether the contact's billing grant has `action` ("download", "comment"; "view" always). */
export function canBilling(action) {
  return hasAction("billing", action);
}

/** The tenant's time zone: days and "today" are counted there, like the API does. */
export function tenantTimeZone() {
  return currentUser()?.tenant?.timezone || "America/Bogota";
}

/** Today (YYYY-MM-DD) in the tenant's time zone. */
export function tenantToday() {
  return todayIn(tenantTimeZone());
}

/** "#/invoices/FV-1002" */
export function invoiceHref(id) {
  return `#/invoices/${encodeURIComponent(id)}`;
}

/** t() with a count: "billing.days_ago" + 1 → billing.days_ago_one, anything else → _other. */
export function tCount(key, count, vars = {}) {
  return t(`${key}_${Number(count) === 1 ? "one" : "other"}`, {count, days: count, ...vars});
}

// Every state has its word and an icon; colour is never the only signal (UI.md).
const STATE_ICONS = {
  overdue: "⚠", due_soon: "◷", current: "○", paid: "✓", payment_in_progress: "↻", proof_received: "✉",
};

/** A state badge: icon (hidden from screen readers, the word says it) and word. */
export function stateBadge(state, text = t(`billing.states.${state}`)) {
  return h("span", {class: `badge badge-state badge-${state.replaceAll("_", "-")}`, dataset: {state}},
    h("span", {class: "badge-icon", "aria-hidden": "true"}, STATE_ICONS[state] || "•"), " ", text);
}

/**
 * The state of an invoice as the portal words it: paid, overdue (with "hace N días"), due soon
 * (due within 7 days of `today`), current; then "Pago en proceso" / "Soporte recibido" when they apply.
 * Works for receivables rows (status overdue|due_soon|current) and invoice list items (pending|paid).
 */
export function invoiceStates(doc, today) {
  if (doc.status === "paid") return ["paid"];
  const states = [];
  const days = Number(doc.days_overdue) || 0;
  if (days > 0 || doc.status === "overdue") states.push("overdue");
  else if (doc.status === "due_soon" || isDueSoon(doc, today)) states.push("due_soon");
  else states.push("current");
  if (doc.payment_in_progress) states.push("payment_in_progress");
  if (doc.proof_received) states.push("proof_received");
  return states;
}

function isDueSoon(doc, today) {
  if (doc.status !== "pending" || !doc.due_date || !today) return false;
  const left = daysUntil(doc.due_date, today);
  return left >= 0 && left <= 7;
}

/** Days from `today` until `dueDate` (negative once it has passed). */
export function daysUntil(dueDate, today) {
  return daysBetween(today, dueDate);
}

/**
 * The badges for `doc` (see invoiceStates), each saying when: "Vencida hace 75 días", "Por vencer en 3 días",
 * "Por vencer hoy". They are the tables' one "Estado" column, so nothing else repeats how late an invoice is.
 */
export function stateBadges(doc, today) {
  return h("span", {class: "badges"}, invoiceStates(doc, today).map((state) => stateBadge(state, stateText(state, doc, today))));
}

function stateText(state, doc, today) {
  if (state === "overdue" && doc.days_overdue > 0) return tCount("billing.states.overdue_days", doc.days_overdue);
  const left = state === "due_soon" && doc.due_date && today ? daysUntil(doc.due_date, today) : null;
  if (left === 0) return t("billing.states.due_soon_today");
  if (left > 0) return tCount("billing.states.due_soon_days", left);
  return t(`billing.states.${state}`);
}

/**
 * How late an invoice is, where no state badge says it (the payment's confirmation, an invoice's facts):
 * overdue invoices say it with an icon and words ("⚠ 75 días de mora"); the others say when they fall due
 * or that they are up to date.
 */
export function daysOverdueText(doc, today) {
  const days = Number(doc.days_overdue) || 0;
  if (days > 0) {
    return h("span", {class: "days-overdue is-overdue"},
      h("span", {class: "badge-icon", "aria-hidden": "true"}, "⚠"), " ", tCount("billing.days_overdue", days));
  }
  if (doc.status === "paid") return h("span", {class: "muted"}, "—");
  const left = doc.due_date && today ? daysUntil(doc.due_date, today) : null;
  if (left === 0) return h("span", {class: "days-overdue is-due-soon"}, t("billing.due_today"));
  if (left !== null && left > 0 && left <= 7) return h("span", {class: "days-overdue is-due-soon"}, tCount("billing.due_in", left));
  return h("span", {class: "days-overdue muted"}, t("billing.up_to_date"));
}

/** Only http(s) addresses become links (presigned S3 URLs); never javascript: or data:. */
export function safeHttpUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * Opens a presigned file address in a new tab and leaves a link in `status` (a polite live region) in
 * case the browser blocked the tab. `linkId` names that link (tests read its address).
 */
export function openFile(url, status, {linkId, linkText, note} = {}) {
  const href = safeHttpUrl(url);
  if (!href) throw new Error("the API returned no usable file address");
  const opened = window.open(href, "_blank");
  if (opened) opened.opener = null; // the file's page gets no handle on the portal
  replace(status, // (replaceChildren would write a missing note as "null")
    h("span", {}, t("billing.file_ready"), " "),
    h("a", {id: linkId, href, target: "_blank", rel: "noopener noreferrer"}, linkText || t("billing.open_file")),
    note ? h("span", {class: "file-note"}, " ", note) : null);
}

/** The block a billing view shows when its data could not load: the API's words and a retry button. */
export function loadError(error, retry) {
  if (!error?.status && !error?.code) console.error(error); // a bug here, not an API answer
  return h("div", {class: "load-error"},
    h("p", {class: "form-error", role: "alert"}, error?.code ? error.message : t("errors.unexpected_client")),
    h("button", {type: "button", class: "button button-secondary", on: {click: retry}}, t("actions.retry")));
}

/** A cell for a .table-cards table: `label` shows before the value on small screens. */
export function cell(label, content, attrs = {}) {
  return h("td", {...attrs, dataset: {label, ...attrs.dataset}}, content);
}

/** A column head; `number` right-aligns it with its money column. */
export function columnHead(label, {number = false, hidden = false} = {}) {
  return h("th", {scope: "col", class: number ? "cell-number" : null},
    hidden ? h("span", {class: "visually-hidden"}, label) : label);
}

/**
 * "Cargar más" under a paged table: fetches the page after `cursor`, appends its rows to `tbody`, announces
 * how many came and hides itself at the end (moving focus to the first new row, since the button had it).
 * Returns the elements to place after the table: the error line and the button's row.
 */
export function loadMore({id, keyPrefix, cursor, fetchPage, renderRow, tbody, stillCurrent}) {
  const more = h("button", {type: "button", id, class: "button button-secondary"}, t(`${keyPrefix}.more`));
  const moreStatus = h("p", {class: "form-error", role: "alert"});
  const moreRow = h("div", {class: "actions load-more"}, more);
  moreRow.hidden = !cursor;
  more.addEventListener("click", async () => {
    moreStatus.textContent = "";
    try {
      const next = await whileBusy(more, t(`${keyPrefix}.loading_more`), () => fetchPage(cursor));
      if (!stillCurrent()) return;
      const rows = (next.items || []).map(renderRow);
      tbody.append(...rows);
      cursor = next.next_cursor;
      announce(tCount(`${keyPrefix}.loaded_more`, rows.length));
      if (!cursor) {
        moreRow.hidden = true;
        rows[0]?.querySelector("a")?.focus();
      }
    } catch (error) {
      moreStatus.textContent = error.message;
    }
  });
  return [moreStatus, moreRow];
}
