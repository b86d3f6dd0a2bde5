// The dashboard's sales cards, from GET /portal/dashboard's modules.catalog (the cart), modules.orders (open
// orders, the latest) and modules.quotes (quotes waiting for an answer, the nearest expiry).

import {h} from "../dom.js";
import {formatDate} from "../format.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {tCount} from "./billing.js";
import {openDrawer, orderBadge, orderHref, quoteHref} from "./sales.js";

function card(id, title, ...content) {
  return h("section", {class: "card summary-card", id, "aria-labelledby": `${id}-title`},
    h("h2", {class: "card-title", id: `${id}-title`}, title), content);
}

export function catalogCards(catalog) {
  return [card("card-catalog", t("sales_cards.catalog"),
    catalog.cart_count
      ? [h("p", {class: "figure-value card-figure", id: "card-cart-total"}, money(catalog.cart_total, catalog.currency)),
        h("p", {class: "muted"}, tCount("cart.count", catalog.cart_count)),
        h("button", {type: "button", class: "button button-secondary", on: {click: () => openDrawer()}}, t("sales_cards.open_cart"))]
      : h("p", {class: "muted"}, t("sales_cards.cart_empty")),
    h("a", {class: "card-link", href: "#/catalog"}, t("sales_cards.see_catalog")))];
}

export function ordersCards(orders) {
  const latest = orders.latest || [];
  return [card("card-orders", t("sales_cards.orders"),
    h("p", {class: "figure-value card-figure", id: "card-orders-open"}, String(orders.open_count || 0)),
    h("p", {class: "muted"}, tCount("sales_cards.open_orders", orders.open_count || 0)),
    latest.length ? h("ul", {class: "card-list"}, latest.slice(0, 3).map((order) => h("li", {},
      h("a", {href: orderHref(order.id)}, order.number), " ", orderBadge(order.status)))) : null,
    h("a", {class: "card-link", href: "#/orders"}, t("sales_cards.see_orders")))];
}

export function quotesCards(quotes) {
  return [card("card-quotes", t("sales_cards.quotes"),
    h("p", {class: "figure-value card-figure", id: "card-quotes-open"}, String(quotes.open_count || 0)),
    h("p", {class: "muted"}, tCount("sales_cards.open_quotes", quotes.open_count || 0)),
    quotes.next_expiry ? h("p", {}, t("sales_cards.next_expiry", {date: formatDate(quotes.next_expiry)})) : null,
    (quotes.latest || []).filter((q) => q.status === "sent").slice(0, 3).length
      ? h("ul", {class: "card-list"}, quotes.latest.filter((q) => q.status === "sent").slice(0, 3).map((quote) => h("li", {},
        h("a", {href: quoteHref(quote.id)}, quote.number), " · ", money(quote.total, quote.currency))))
      : null,
    h("a", {class: "card-link", href: "#/quotes"}, t("sales_cards.see_quotes")))];
}
