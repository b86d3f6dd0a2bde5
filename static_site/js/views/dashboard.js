// #/ — who is signed in, for which company, who their account executive is; modules add cards later.

import {h} from "../dom.js";
import {formatDate} from "../format.js";
import {t, tParts} from "../i18n.js";
import {currentUser} from "../session.js";
import {taxIdText} from "./account.js";
import {executiveCard} from "./executive.js";

export function renderDashboard(page) {
  const {contact, account} = currentUser();
  const endDate = contact.access?.end_date;
  page.append(h("div", {id: "dashboard"},
    h("header", {class: "page-header"},
      h("h1", {tabindex: "-1"}, tParts("dashboard.greeting", {name: h("span", {id: "dashboard-contact"}, contact.name)})),
      h("p", {class: "lead company-line"},
        h("span", {id: "dashboard-company"}, account.name),
        account.tax_id ? [h("span", {class: "separator", "aria-hidden": "true"}, " · "),
          h("span", {id: "dashboard-tax-id"}, taxIdText(account))] : null),
      endDate ? h("p", {class: "muted"}, t("dashboard.access_until", {date: formatDate(endDate)})) : null),
    h("div", {class: "dashboard-grid"},
      // Later modules append their summary cards here (see js/modules.js).
      h("section", {id: "dashboard-cards", class: "dashboard-cards", "aria-label": t("dashboard.cards_label")}),
      executiveCard(account.account_executive, {idPrefix: "dashboard-executive"}))));
}
