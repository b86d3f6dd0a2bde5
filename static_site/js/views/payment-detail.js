// #/payments/{id} — one payment: its status (in a live region) and what happens next, what the portal does
// about it while it is open (it asks the API again every 5 s; the API checks with the gateway on the gateway's
// own schedule, and "Verificar ahora" asks at once), its facts, the invoices it pays and its timeline (in the
// reader's words: each entry's `code`). "Continuar al pago" only while the API offers the checkout (never once
// the gateway has the payment: that would invite paying twice), "Cancelar pago" while the gateway has no
// attempt at paying it, "Descargar comprobante" once approved. The gateways send the browser back here.

import {api, ApiError} from "../api.js";
import {h, replace, skeleton} from "../dom.js";
import {formatDateTime, formatTime, todayIn} from "../format.js";
import {whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {refresh} from "../router.js";
import {hasModule} from "../session.js";
import {cell, columnHead, invoiceHref, loadError, openFile, tenantTimeZone} from "./billing.js";
import {
  LIVE_STATUSES, canPay, gatewayLabel, goToCheckout, methodLabel, paymentHref, paymentStatusBadge, refreshWhenRestored,
} from "./payments.js";

const POLL_MS = 5000;
const EVENTS = ["created", "redirected", "callback", "confirmation", "check", "contact_check", "returned", "final",
  "cancelled", "review", "late_report", "checkout_failed"];
// Timeline codes the portal words (the API's `timeline[].code`); an entry without a known code shows its event.
const CODES = ["created", "registered", "checkout_failed", "returned", "not_at_gateway", "not_started", "pending",
  "pending_bank", "pending_voucher", "pending_review", "approved", "declined", "expired", "error", "never_reached",
  "abandoned", "pending_too_long", "amount_mismatch", "currency_mismatch", "overpayment", "duplicate_payment",
  "late_failure", "unanswered", "unverified", "cancelled"];
// What a pending payment waits for (`waiting_for`): each has its own sentence on what happens next.
const WAITING = ["gateway", "bank", "voucher", "card_review", "payer"];
const REVIEW_REASONS = ["amount_mismatch", "currency_mismatch", "overpayment", "duplicate_payment", "pending_too_long",
  "unverified"];
const RETRY_STATUSES = new Set(["declined", "expired", "error", "cancelled"]);

export function renderPaymentDetail(page, {routeParams}) {
  const id = routeParams.id;
  const root = h("div", {id: "payment-detail", class: "payment-detail", "aria-busy": "true"},
    h("header", {class: "page-header"},
      h("p", {class: "breadcrumb"}, h("a", {href: "#/payments"}, t("payment.back"))),
      h("h1", {tabindex: "-1"}, t("payment.title"))),
    h("div", {class: "card"}, skeleton(4)),
    h("div", {class: "card"}, skeleton(5)));
  page.append(root);
  start(root, id);
}

function paymentPath(id, suffix = "") {
  return `/portal/payments/${encodeURIComponent(id)}${suffix}`;
}

async function start(root, id) {
  let payment;
  try {
    payment = await api.get(paymentPath(id));
  } catch (error) {
    if (!root.isConnected) return;
    root.removeAttribute("aria-busy");
    const header = root.firstElementChild;
    replace(root, header, h("div", {class: "card"},
      error.status === 404
        ? [h("p", {class: "form-error", role: "alert"}, error.message), h("p", {}, t("payment.not_found"))]
        : loadError(error, () => {
          replace(root, header, h("div", {class: "card"}, skeleton(4)));
          start(root, id);
        })));
    return;
  }
  if (!root.isConnected) return;
  root.removeAttribute("aria-busy");
  const view = paymentView(root, payment);
  if (LIVE_STATUSES.has(payment.status)) poll(root, id, view);
}

/**
 * Asks for the payment every POLL_MS while it is live and its page is shown: it stops at a final status,
 * when the page is left (another route or a language switch replaces `root`) or the payment is gone.
 */
function poll(root, id, view) {
  let timer = null;
  const stop = () => {
    clearTimeout(timer);
    window.removeEventListener("hashchange", stop);
  };
  const tick = async () => {
    if (!root.isConnected) return stop();
    if (!document.hidden) {
      try {
        const payment = await api.get(paymentPath(id));
        if (!root.isConnected) return stop();
        view.update(payment);
        view.setPollProblem(null);
        if (!LIVE_STATUSES.has(payment.status)) return stop();
      } catch (error) {
        if (!root.isConnected || [401, 403, 404].includes(error.status)) return stop();
        view.setPollProblem(error instanceof ApiError ? error.message : t("errors.unexpected_client"));
      }
    }
    timer = setTimeout(tick, POLL_MS);
    return undefined;
  };
  window.addEventListener("hashchange", stop);
  timer = setTimeout(tick, POLL_MS);
}

/** What changes on screen when the payment changes (the poll answers the same payment most of the time). */
function signature(payment) {
  return JSON.stringify([payment.status, payment.updated_at, payment.next_check_at, payment.last_checked_at,
    payment.waiting_for, payment.timeline?.length, payment.method, payment.transaction_id, payment.cus, payment.bank,
    Boolean(payment.checkout)]);
}

function paymentView(root, first) {
  let payment = first;
  let confirmingCancel = false;
  let shownSignature = null;
  const header = root.firstElementChild;
  const heading = header.querySelector("h1");
  // The status sentence lives in one element for the page's whole life, so a change is announced.
  const statusLine = h("div", {id: "payment-status-line", class: "payment-status-line", role: "status",
    "aria-live": "polite", "aria-atomic": "true", tabindex: "-1"});
  const nextCheck = h("p", {id: "payment-next-check", class: "payment-next-check muted"});
  const pollProblem = h("p", {id: "payment-poll-error", class: "muted poll-error"});
  const actionStatus = h("p", {id: "payment-action-status", class: "file-status", "aria-live": "polite"});
  const actions = h("div", {class: "actions payment-actions"});
  const confirmSlot = h("div", {class: "cancel-slot"}); // "¿Cancelar este pago?" opens here, under the buttons
  const rest = h("div", {class: "payment-sections"});
  const statusCard = h("section", {class: "card payment-status-card", "aria-labelledby": "payment-status-title"},
    h("h2", {id: "payment-status-title", class: "visually-hidden"}, t("payment.status_title")),
    statusLine, nextCheck, pollProblem, actions, confirmSlot, actionStatus);
  replace(root, header, statusCard, rest);

  const showStatus = () => {
    const status = payment.status;
    const key = explainKey(payment);
    if (statusLine.dataset.explain === key) return;
    statusLine.dataset.status = status;
    statusLine.dataset.explain = key;
    replace(statusLine,
      h("p", {class: "payment-status-word"}, h("span", {class: "status-label"}, t("payment.status_label"), " "),
        paymentStatusBadge(status, {wordId: "payment-status"})),
      h("p", {class: "payment-status-explain", id: "payment-status-explain", dataset: {explain: key}},
        t(`payment.${key}`, {gateway: gatewayLabel(payment.gateway)})),
      payment.duplicate_of
        ? h("p", {}, h("a", {id: "payment-duplicate-of", href: paymentHref(payment.duplicate_of)}, t("payment.duplicate_of")))
        : null);
  };

  // "Última verificación automática 10:32 · próxima 10:42", in the tenant's time zone.
  const showNextCheck = () => {
    const live = LIVE_STATUSES.has(payment.status);
    nextCheck.hidden = !live;
    if (!live) return;
    const zone = tenantTimeZone();
    const when = (value) => {
      const at = value ? new Date(value) : null;
      if (!at || Number.isNaN(at.getTime())) return null;
      return todayIn(zone, at) === todayIn(zone) ? formatTime(value, zone) : formatDateTime(value, zone);
    };
    const next = payment.next_check_at && new Date(payment.next_check_at) > new Date() ? when(payment.next_check_at) : null;
    const last = when(payment.last_checked_at);
    replace(nextCheck,
      last ? h("span", {id: "payment-last-check"}, t("payment.last_check", {time: last}), " ") : null,
      h("span", {id: "payment-next-check-time"}, next ? t("payment.next_check", {time: next}) : t("payment.next_check_soon")));
  };

  const showActions = () => {
    const live = LIVE_STATUSES.has(payment.status);
    const cancellable = payment.status === "created" || payment.waiting_for === "payer";
    const buttons = [];
    let confirmation = null;
    if (payment.checkout && canPay()) {
      const resume = h("button", {type: "button", id: "payment-continue", class: "button"}, t("payment.continue"));
      resume.addEventListener("click", () => {
        actionStatus.classList.remove("form-error");
        try {
          refreshWhenRestored(refresh);
          resume.disabled = true;
          actionStatus.textContent = t("payment.redirecting", {gateway: gatewayLabel(payment.gateway)});
          goToCheckout(payment.checkout);
        } catch (error) {
          console.error(error);
          resume.disabled = false;
          actionStatus.classList.add("form-error");
          actionStatus.textContent = t("errors.unexpected_client");
        }
      });
      buttons.push(resume);
    }
    if (live && canPay()) buttons.push(checkNowButton());
    if (live && cancellable && canPay()) {
      const controls = cancelControls();
      buttons.push(controls.button);
      confirmation = controls.confirmation;
    }
    if (payment.status === "approved") buttons.push(receiptButton());
    if (RETRY_STATUSES.has(payment.status) && canPay() && hasModule("billing")) {
      buttons.push(h("a", {class: "button button-secondary", id: "payment-retry-link", href: "#/receivables"}, t("payment.pay_again")));
    }
    replace(actions, buttons);
    actions.hidden = !buttons.length;
    replace(confirmSlot, confirmation);
  };

  const cancelControls = () => {
    const cancel = h("button", {type: "button", id: "payment-cancel", class: "button button-secondary",
      "aria-expanded": String(confirmingCancel), "aria-controls": "payment-cancel-confirmation"}, t("payment.cancel"));
    const yes = h("button", {type: "button", id: "payment-cancel-confirm", class: "button button-danger"}, t("payment.cancel_yes"));
    const no = h("button", {type: "button", id: "payment-cancel-keep", class: "button button-secondary"}, t("payment.cancel_no"));
    const question = h("p", {id: "payment-cancel-question", tabindex: "-1"}, t("payment.cancel_question"));
    const confirmation = h("div", {id: "payment-cancel-confirmation", class: "cancel-confirmation", role: "group",
      "aria-labelledby": "payment-cancel-question", hidden: !confirmingCancel},
    question, h("div", {class: "actions"}, yes, no));
    cancel.addEventListener("click", () => {
      confirmingCancel = true;
      cancel.setAttribute("aria-expanded", "true");
      confirmation.hidden = false;
      question.focus();
    });
    no.addEventListener("click", () => {
      confirmingCancel = false;
      cancel.setAttribute("aria-expanded", "false");
      confirmation.hidden = true;
      cancel.focus();
    });
    yes.addEventListener("click", async () => {
      actionStatus.classList.remove("form-error");
      actionStatus.textContent = "";
      yes.disabled = true;
      no.disabled = true;
      yes.textContent = t("payment.cancelling");
      let answer = null;
      try {
        answer = await api.post(paymentPath(payment.id, "/cancel"));
      } catch (error) {
        actionStatus.classList.add("form-error");
        actionStatus.textContent = error instanceof ApiError ? error.message : t("errors.unexpected_client");
      }
      confirmingCancel = false;
      try {
        update(answer?.id ? answer : await api.get(paymentPath(payment.id)), {force: true});
      } catch {
        update(payment, {force: true}); // the cancel's answer (or error) already says what happened
      }
      statusLine.focus();
    });
    return {button: cancel, confirmation};
  };

  // "Verificar ahora": the API asks the gateway at once (once a minute; a 429 says how long to wait).
  const checkNowButton = () => {
    const button = h("button", {type: "button", id: "payment-check-now", class: "button button-secondary"}, t("payment.check_now"));
    button.addEventListener("click", async () => {
      actionStatus.classList.remove("form-error");
      actionStatus.textContent = "";
      let answer = null;
      try {
        answer = await whileBusy(button, t("payment.checking"), () => api.post(paymentPath(payment.id, "/check")));
      } catch (error) {
        if (error instanceof ApiError && error.code === "check_too_soon" && error.details?.retry_after) {
          actionStatus.textContent = t("payment.check_wait", {seconds: error.details.retry_after}); // not a failure
          return;
        }
        actionStatus.classList.add("form-error");
        actionStatus.textContent = error instanceof ApiError ? error.message : t("errors.unexpected_client");
        return;
      }
      update(answer, {force: true});
      actionStatus.textContent = t("payment.checked", {gateway: gatewayLabel(payment.gateway)});
      statusLine.focus();
    });
    return button;
  };

  const receiptButton = () => {
    const button = h("button", {type: "button", id: "payment-receipt", class: "button"}, t("payment.receipt"));
    button.addEventListener("click", async () => {
      actionStatus.classList.remove("form-error");
      actionStatus.textContent = "";
      try {
        const file = await whileBusy(button, t("payment.receipt_preparing"), () => api.get(paymentPath(payment.id, "/receipt")));
        openFile(file.url, actionStatus, {linkId: "payment-receipt-link", linkText: file.filename || t("payment.receipt_link")});
      } catch (error) {
        actionStatus.classList.add("form-error");
        actionStatus.textContent = error instanceof ApiError ? error.message : t("errors.unexpected_client");
      }
    });
    return button;
  };

  const update = (next, {force = false} = {}) => {
    payment = next;
    const changed = signature(payment) !== shownSignature;
    if (!changed && !force) return;
    shownSignature = signature(payment);
    // Re-drawing must not lose the keyboard's place: give the focus back to the same control if it is still there.
    const focused = root.contains(document.activeElement) ? document.activeElement : null;
    heading.textContent = t("payment.heading", {reference: payment.reference || payment.id});
    showStatus();
    showNextCheck();
    showActions();
    replace(rest, factsSection(payment), itemsSection(payment), timelineSection(payment));
    if (focused && !focused.isConnected) ((focused.id && document.getElementById(focused.id)) || statusLine).focus();
  };

  update(payment);
  return {
    update,
    setPollProblem(message) {
      pollProblem.textContent = message ? t("payment.poll_problem", {message}) : "";
    },
  };
}

/** The sentence under the status: what happens next ("explain.pending_bank": wait for the bank…). */
function explainKey(payment) {
  const {status} = payment;
  if (status === "pending" && WAITING.includes(payment.waiting_for)) return `explain.pending_${payment.waiting_for}`;
  if (status === "created" && !payment.checkout) return "explain.created_registering";
  if (status === "review" && REVIEW_REASONS.includes(payment.review_reason)) return `explain.review_${payment.review_reason}`;
  return `explain.${status}`;
}

function factsSection(payment) {
  const zone = tenantTimeZone();
  const row = (label, value, id) => (value === null || value === undefined || value === ""
    ? null
    : h("div", {}, h("dt", {}, label), h("dd", {id}, value)));
  return h("section", {class: "card", "aria-labelledby": "payment-facts-title"},
    h("h2", {id: "payment-facts-title", class: "card-title"}, t("payment.facts_title")),
    h("dl", {class: "invoice-facts payment-facts"},
      row(t("payment.reference"), payment.reference, "payment-reference"),
      row(t("payment.amount"), h("strong", {}, money(payment.amount || 0, payment.currency)), "payment-amount"),
      row(t("payment.gateway"), gatewayLabel(payment.gateway), "payment-gateway"),
      row(t("payment.method"), methodLabel(payment.method), "payment-method"),
      row(t("payment.bank"), payment.bank, "payment-bank"),
      row(t("payment.cus"), payment.cus, "payment-cus"),
      row(t("payment.transaction"), payment.transaction_id, "payment-transaction"),
      row(t("payment.created_at"), payment.created_at ? formatDateTime(payment.created_at, zone) : null, "payment-created"),
      row(t("payment.final_at"), payment.final_at ? formatDateTime(payment.final_at, zone) : null, "payment-final")));
}

function itemsSection(payment) {
  const columns = ["number", "amount"].map((key) => t(`payment.items_columns.${key}`));
  const items = payment.items || [];
  return h("section", {class: "card", "aria-labelledby": "payment-invoices-title"},
    h("h2", {id: "payment-invoices-title", class: "card-title"}, t("payment.items_title")),
    h("table", {id: "payment-invoices", class: "table-cards payment-invoices"},
      h("caption", {class: "visually-hidden"}, t("payment.items_title")),
      h("thead", {}, h("tr", {}, columnHead(columns[0]), columnHead(columns[1], {number: true}))),
      h("tbody", {}, items.map((item) => h("tr", {dataset: {invoiceId: item.invoice_id}},
        cell(columns[0], hasModule("billing")
          ? h("a", {href: invoiceHref(item.invoice_id), class: "invoice-link"}, item.number || item.invoice_id)
          : item.number || item.invoice_id),
        cell(columns[1], money(item.amount || 0, payment.currency), {class: "cell-number"}))))));
}

function timelineSection(payment) {
  const zone = tenantTimeZone();
  const entries = payment.timeline || [];
  return h("section", {class: "card", "aria-labelledby": "payment-timeline-title"},
    h("h2", {id: "payment-timeline-title", class: "card-title"}, t("payment.timeline_title")),
    entries.length
      ? h("ol", {id: "payment-timeline", class: "timeline"}, entries.map((entry) => {
        // What happened, in the reader's words; who told us (the event) under it. The API's `detail` is English
        // for integrators and is not shown.
        const event = EVENTS.includes(entry.event) ? t(`payment.events.${entry.event}`) : null;
        const what = CODES.includes(entry.code) ? t(`payment.codes.${entry.code}`) : event || t("payment.events.other");
        return h("li", {class: "timeline-entry", dataset: {event: entry.event, code: entry.code || ""}},
          h("div", {class: "timeline-head"},
            h("strong", {class: "timeline-event"}, what),
            entry.at ? h("time", {datetime: entry.at, class: "muted"}, formatDateTime(entry.at, zone)) : null,
            entry.status ? h("span", {class: "timeline-status"}, paymentStatusBadge(entry.status)) : null),
          event && event !== what ? h("p", {class: "timeline-detail muted"}, event) : null);
      }))
      : h("p", {class: "muted", id: "payment-timeline"}, t("payment.timeline_empty")));
}
