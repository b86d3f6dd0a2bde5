// #/ — who is signed in, for which company, who their account executive is, and one set of summary
// cards per module the contact has (GET /portal/dashboard, called once per visit).

import {api} from "../api.js";
import {h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {t, tParts} from "../i18n.js";
import {currentUser, hasModule} from "../session.js";
import {taxIdText} from "./account.js";
import {billingCards} from "./billing-cards.js";
import {casesCards} from "./cases.js";
import {loadError} from "./billing.js";
import {executiveCard} from "./executive.js";
import {paymentsCards} from "./payments-cards.js";
import {catalogCards, ordersCards, quotesCards} from "./sales-cards.js";

/** module → (its part of GET /portal/dashboard) → cards. Later modules add their line here. */
const MODULE_CARDS = {
  billing: billingCards,
  payments: paymentsCards,
  catalog: catalogCards,
  orders: ordersCards,
  quotes: quotesCards,
  cases: casesCards,
};

export function renderDashboard(page) {
  const {contact, account} = currentUser();
  const endDate = contact.access?.end_date;
  const cards = h("section", {id: "dashboard-cards", class: "dashboard-cards", "aria-label": t("dashboard.cards_label")});
  page.append(h("div", {id: "dashboard"},
    h("header", {class: "page-header"},
      h("h1", {tabindex: "-1"}, tParts("dashboard.greeting", {name: h("span", {id: "dashboard-contact"}, contact.name)})),
      h("p", {class: "lead company-line"},
        h("span", {id: "dashboard-company"}, account.name),
        account.tax_id ? [h("span", {class: "separator", "aria-hidden": "true"}, " · "),
          h("span", {id: "dashboard-tax-id"}, taxIdText(account))] : null),
      endDate ? h("p", {class: "muted"}, t("dashboard.access_until", {date: formatDate(endDate)})) : null),
    h("div", {class: "dashboard-grid"},
      cards,
      executiveCard(account.account_executive, {idPrefix: "dashboard-executive"}))));
  loadCards(cards);
}

async function loadCards(cards) {
  const modules = Object.keys(MODULE_CARDS).filter(hasModule);
  if (!modules.length) return; // nothing to summarise: the section stays empty (and hidden)
  cards.setAttribute("aria-busy", "true");
  replace(cards, modules.map(() => [1, 2, 3].map(() => h("div", {class: "card summary-card"}, skeleton(3)))));
  try {
    const data = await api.get("/portal/dashboard");
    const all = modules.flatMap((module) => (data?.modules?.[module] ? MODULE_CARDS[module](data.modules[module]) : []));
    // Full-width cards (the latest comments) close the grid, so the other modules' cards fill the rows above.
    const wide = (card) => card.classList.contains("card-wide");
    replace(cards, all.filter((card) => !wide(card)), all.filter(wide));
  } catch (error) {
    replace(cards, h("div", {class: "card dashboard-error"}, loadError(error, () => loadCards(cards))));
  } finally {
    cards.removeAttribute("aria-busy");
  }
}
