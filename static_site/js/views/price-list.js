// #/price-list — "Lista de precios": every product the account has a price for today, with its quantity breaks,
// the lists those prices come from, and downloads (CSV for a spreadsheet, PDF to print or share).

import {api, withQuery} from "../api.js";
import {h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {cell, columnHead, loadError, loadMore, openFile} from "./billing.js";
import {productHref, rateText} from "./sales.js";

export function renderPriceList(page) {
  const status = h("p", {class: "file-status", "aria-live": "polite", id: "price-list-file-status"});
  const download = (format) => {
    const button = h("button", {type: "button", class: "button button-secondary", id: `price-list-${format}`},
      t(`price_list.download_${format}`));
    button.addEventListener("click", async () => {
      status.textContent = "";
      try {
        const file = await whileBusy(button, t("price_list.preparing"),
          () => api.get(withQuery("/portal/price-list/download", {format})));
        openFile(file.url, status, {linkId: `price-list-${format}-link`, linkText: file.filename});
      } catch (error) {
        status.textContent = error.message;
      }
    });
    return button;
  };
  const info = h("div", {id: "price-list-info"});
  const results = h("section", {class: "card", id: "price-list-results", "aria-labelledby": "price-list-title"},
    h("h2", {class: "visually-hidden", id: "price-list-title"}, t("price_list.title")), skeleton(8));
  page.append(h("header", {class: "page-header page-header-actions"},
    h("div", {}, h("p", {class: "breadcrumb"}, h("a", {href: "#/catalog"}, t("catalog.back"))),
      h("h1", {tabindex: "-1"}, t("price_list.title")), h("p", {class: "lead"}, t("price_list.lead"))),
    h("div", {class: "actions"}, download("csv"), download("pdf"))), status, info, results);
  const columns = ["sku", "name", "unit", "tiers", "tax_rate"].map((k) => t(`price_list.columns.${k}`));
  const row = (currency) => (item) => h("tr", {dataset: {sku: item.sku}},
    cell(columns[0], item.sku),
    cell(columns[1], h("a", {href: productHref(item.sku)}, item.name)),
    cell(columns[2], item.unit),
    cell(columns[3], h("ul", {class: "price-tiers"}, item.tiers.map((tier) => h("li", {},
      tier.min_qty > 1 ? `${t("catalog.tier_from", {qty: tier.min_qty})} ` : "", money(tier.unit_price, currency))))),
    cell(columns[4], rateText(item.tax_rate), {class: "cell-number"}));
  const load = async () => {
    try {
      const data = await api.get("/portal/price-list?limit=100");
      replace(info, data.lists.length ? h("p", {class: "muted", id: "price-list-lists"}, data.lists.map((list, i) => [
        i ? " · " : "", h("strong", {}, list.name), " ", t(`price_list.role_${list.role}`),
        list.valid_to ? ` ${t("price_list.valid_to", {date: formatDate(list.valid_to)})}` : ""]), " — ",
      t("price_list.before_tax", {currency: data.currency})) : null);
      if (!data.items.length) {
        replace(results, results.firstElementChild, h("p", {class: "empty-state", id: "price-list-empty"}, t("price_list.empty")));
        return;
      }
      const tbody = h("tbody", {}, data.items.map(row(data.currency)));
      replace(results, results.firstElementChild,
        h("table", {class: "table-cards", id: "price-list-table"},
          h("thead", {}, h("tr", {}, columns.slice(0, 4).map((c) => columnHead(c)), columnHead(columns[4], {number: true}))), tbody),
        ...loadMore({id: "price-list-more", keyPrefix: "price_list", cursor: data.next_cursor, tbody, stillCurrent: () => results.isConnected,
          fetchPage: (cursor) => api.get(withQuery("/portal/price-list", {limit: 100, cursor})), renderRow: row(data.currency)}));
    } catch (error) {
      replace(results, results.firstElementChild, loadError(error, load));
    }
  };
  load();
}
