// The billing cards on the dashboard, from GET /portal/dashboard's modules.billing: balance, overdue,
// next due invoice, this month's statement and the latest comments.

import {h} from "../dom.js";
import {formatDate, formatDateTime, monthName} from "../format.js";
import {t, tParts} from "../i18n.js";
import {money as moneyOf} from "../money.js";
import {invoiceHref, stateBadge, tCount, tenantTimeZone} from "./billing.js";

function card(id, title, ...content) {
  return h("section", {class: "card summary-card", id, "aria-labelledby": `${id}-title`},
    h("h2", {class: "card-title", id: `${id}-title`}, title),
    content);
}

/** A card that spans the whole row of the dashboard grid (placed after the others there). */
function wide(element) {
  element.classList.add("card-wide");
  return element;
}

/** "#/statement?year=2026&period=11" for the dashboard's {year, period} (period may come as 11 or "11"). */
export function statementHref({year, period} = {}) {
  const query = new URLSearchParams();
  if (year) query.set("year", String(year));
  if (period) query.set("period", String(period).padStart(2, "0"));
  const text = query.toString();
  return text ? `#/statement?${text}` : "#/statement";
}

export function billingCards(billing) {
  const currency = billing.currency || billing.totals?.[0]?.currency;
  const money = (amount, code = currency) => moneyOf(amount || 0, code);
  const others = (billing.totals || []).filter((row) => row.currency !== currency && row.balance);
  const overdue = Number(billing.overdue) || 0;
  const next = billing.next_due;
  const statement = billing.statement || {};
  const comments = billing.latest_comments || [];

  return [
    card("card-billing-balance", t("billing_cards.balance"),
      h("p", {class: "figure-value card-figure", id: "card-billing-balance-amount"}, money(billing.balance)),
      h("p", {class: "muted"}, tCount("billing.open_count", billing.open_count || 0)),
      others.length ? h("ul", {class: "other-currencies"},
        others.map((row) => h("li", {}, tParts("billing_cards.also_in", {amount: money(row.balance, row.currency), currency: row.currency})))) : null,
      h("a", {class: "card-link", href: "#/receivables"}, t("billing_cards.see_receivables"))),

    card("card-billing-overdue", t("billing_cards.overdue"),
      h("p", {class: `figure-value card-figure${overdue ? " is-overdue" : ""}`, id: "card-billing-overdue-amount"},
        overdue ? h("span", {class: "badge-icon", "aria-hidden": "true"}, "⚠ ") : null, money(overdue)),
      h("p", {class: overdue ? "is-overdue-text" : "muted"}, overdue
        ? tCount("billing.overdue_count", billing.overdue_count || 0)
        : [h("span", {"aria-hidden": "true"}, "✓ "), t("billing_cards.up_to_date")]),
      overdue ? h("a", {class: "card-link", href: "#/receivables"}, t("billing_cards.see_overdue")) : null),

    card("card-billing-next-due", t("billing_cards.next_due"),
      next
        ? [h("p", {class: "figure-value card-figure"}, formatDate(next.due_date)),
          h("p", {}, h("a", {href: invoiceHref(next.id), id: "card-billing-next-due-link"},
            t("billing_cards.next_due_invoice", {number: next.number})),
          " · ", money(next.balance, next.currency || currency))]
        : h("p", {class: "muted"}, t("billing_cards.no_next_due"))),

    card("card-billing-statement", t("billing_cards.statement"),
      h("p", {class: "muted"}, t("billing_cards.statement_body")),
      h("a", {class: "button button-secondary", id: "card-billing-statement-link", href: statementHref(statement)},
        statement.period
          ? t("billing_cards.statement_link", {
            month: monthName(Number(statement.period), undefined, {capitalize: false}), year: statement.year,
          })
          : t("billing_cards.statement_link_plain"))),

    wide(card("card-billing-comments", t("billing_cards.comments"),
      comments.length
        ? h("ul", {class: "card-comments"}, comments.map((comment) => h("li", {},
          h("p", {class: "comment-meta"},
            h("a", {href: `${invoiceHref(comment.invoice_id)}`}, t("billing_cards.comment_invoice", {number: comment.invoice_number})),
            h("span", {class: "muted"}, " · ", comment.author?.name || "",
              comment.created_at ? [" · ", formatDateTime(comment.created_at, tenantTimeZone())] : null)),
          comment.payment_proof ? stateBadge("proof_received", t("comments.proof_marker")) : null,
          h("p", {class: "comment-excerpt"}, comment.body))))
        : h("p", {class: "muted"}, t("billing_cards.no_comments")))),
  ];
}
