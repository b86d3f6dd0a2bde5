// The payments card on the dashboard, from GET /portal/dashboard's modules.payments: {latest: payment | null,
// pending_count}. The latest payment's status, amount and date, how many are still in process, and the way
// to the history.

import {h} from "../dom.js";
import {formatDateTime} from "../format.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {hasModule} from "../session.js";
import {tCount, tenantTimeZone} from "./billing.js";
import {canPay, paymentHref, paymentStatusBadge} from "./payments.js";

export function paymentsCards(payments) {
  const latest = payments.latest;
  const pending = Number(payments.pending_count) || 0;
  return [
    h("section", {class: "card summary-card", id: "card-payments", "aria-labelledby": "card-payments-title"},
      h("h2", {class: "card-title", id: "card-payments-title"}, t("payments_card.title")),
      latest
        ? [h("p", {class: "card-payment-status"}, t("payments_card.latest"), " ", paymentStatusBadge(latest.status)),
          h("p", {class: "figure-value card-figure", id: "card-payments-amount"}, money(latest.amount || 0, latest.currency)),
          h("p", {class: "muted"},
            h("a", {href: paymentHref(latest.id), id: "card-payments-latest"}, latest.reference || latest.id),
            latest.created_at ? [" · ", formatDateTime(latest.created_at, tenantTimeZone())] : null)]
        : [h("p", {class: "muted"}, t("payments_card.none")),
          canPay() && hasModule("billing")
            ? h("p", {}, h("a", {href: "#/receivables"}, t("payments_card.pay_invoices"))) : null],
      pending ? h("p", {id: "card-payments-pending"}, tCount("payments_card.pending", pending)) : null,
      h("a", {class: "card-link", href: "#/payments", id: "card-payments-link"}, t("payments_card.see_history"))),
  ];
}
