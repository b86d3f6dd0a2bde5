// #/checkout — the cart reviewed, the order's details (purchase order, notes, delivery address, requested date)
// and "Hacer pedido" (one Idempotency-Key per visit, so a double click or a retry places one order).
// #/orders — "Pedidos": the account's orders, newest first, filtered by state. #/orders/{id} — one order: its
// state, lines, totals, details and timeline; "Cancelar pedido" while received, "Volver a pedir".

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate} from "../format.js";
import {clearErrors, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {navigate, updateHash} from "../router.js";
import {hasAction} from "../session.js";
import {cell, columnHead, loadError, loadMore, tenantToday} from "./billing.js";
import {adoptCart, cartView, detailPage, forgetCart, goToOrder, loadCart, newKey, onCartChange, orderBadge, orderHref,
  quoteHref, rateText, when} from "./sales.js";

const STATUSES = ["", "received", "confirmed", "in_preparation", "shipped", "delivered", "rejected", "cancelled"];

export function renderCheckout(page) {
  const cartBox = h("section", {class: "card", id: "checkout-cart", "aria-labelledby": "checkout-cart-title"},
    h("h2", {class: "card-title", id: "checkout-cart-title"}, t("checkout.cart")), skeleton(4));
  const field = (id, name, label, control, hint) => h("div", {class: "field"}, h("label", {for: id}, label),
    hint ? h("p", {class: "field-hint", id: `${id}-hint`}, hint) : null, control,
    h("p", {class: "field-error", id: `${id}-error`}));
  const input = (id, name, attrs = {}) => h("input", {id, name, dataset: {field: name}, "aria-describedby": `${id}-error`, ...attrs});
  const po = input("checkout-po", "po_number", {maxlength: "40", autocomplete: "off"});
  const date = input("checkout-date", "requested_date", {type: "date", min: tenantToday()});
  const address = h("textarea", {id: "checkout-address", name: "delivery_address", dataset: {field: "delivery_address"},
    rows: "2", maxlength: "300", "aria-describedby": "checkout-address-error"});
  const notes = h("textarea", {id: "checkout-notes", name: "notes", dataset: {field: "notes"}, rows: "3", maxlength: "1000",
    "aria-describedby": "checkout-notes-error"});
  const submit = h("button", {type: "submit", class: "button", id: "checkout-submit"}, t("checkout.place"));
  const errorRegion = h("div", {class: "form-error", role: "alert", id: "checkout-error"});
  const form = h("form", {id: "checkout-form", class: "card", novalidate: true, "aria-labelledby": "checkout-details-title"},
    h("h2", {class: "card-title", id: "checkout-details-title"}, t("checkout.details")),
    field("checkout-po", "po_number", t("checkout.po"), po, t("checkout.po_hint")),
    field("checkout-date", "requested_date", t("checkout.date"), date),
    field("checkout-address", "delivery_address", t("checkout.address"), address, t("checkout.address_hint")),
    field("checkout-notes", "notes", t("checkout.notes"), notes),
    errorRegion,
    h("div", {class: "actions"}, submit, h("a", {href: "#/catalog", class: "button button-secondary"}, t("checkout.keep_buying"))));
  page.append(h("header", {class: "page-header"}, h("h1", {tabindex: "-1"}, t("checkout.title")),
    h("p", {class: "lead"}, t("checkout.lead"))), cartBox, form);

  const draw = (value) => {
    replace(cartBox, cartBox.firstElementChild, cartView(value));
    submit.disabled = !value.orderable;
  };
  const off = onCartChange((value) => (cartBox.isConnected ? draw(value) : off()));
  loadCart().then(draw, (error) => replace(cartBox, cartBox.firstElementChild, loadError(error, () => loadCart().then(draw))));

  const key = newKey(); // one order per visit, however many times it is sent
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    const body = {po_number: po.value.trim() || undefined, requested_date: date.value || undefined,
      delivery_address: address.value.trim() || undefined, notes: notes.value.trim() || undefined};
    try {
      const order = await whileBusy(submit, t("checkout.placing"),
        () => api.post("/portal/orders", body, {headers: {"Idempotency-Key": key}}));
      forgetCart();
      loadCart().catch(() => {});
      announce(t("checkout.placed", {number: order.number}));
      goToOrder(order.id);
    } catch (error) {
      showApiError(form, errorRegion, error);
      if (error.code === "credit_limit_exceeded") {
        const d = error.details;
        errorRegion.append(h("p", {}, t("checkout.credit_detail"), " ", money(d.available, d.currency)));
      }
      if (error.code === "cart_changed" || error.code === "cart_unavailable" || error.code === "write_conflict") loadCart().catch(() => {});
    }
  });
}

export function renderOrders(page, {params}) {
  const initial = STATUSES.includes(params.get("status")) ? params.get("status") : "";
  const select = h("select", {id: "orders-filter"}, STATUSES.map((s) => h("option", {value: s, selected: s === initial},
    s ? t(`orders.status.${s}`) : t("orders.all"))));
  const results = h("section", {class: "card", id: "orders-results", "aria-labelledby": "orders-results-title"},
    h("h2", {class: "visually-hidden", id: "orders-results-title"}, t("orders.results")), skeleton(6));
  page.append(h("header", {class: "page-header page-header-actions"},
    h("div", {}, h("h1", {tabindex: "-1"}, t("orders.title")), h("p", {class: "lead"}, t("orders.lead"))),
    h("a", {href: "#/catalog", class: "button button-secondary"}, t("orders.new"))),
  h("div", {class: "card filters"}, h("div", {class: "field filter-inline"}, h("label", {for: "orders-filter"}, t("orders.filter")), select)),
  results);
  let ticket = 0;
  const columns = ["number", "placed_at", "status", "lines", "total"].map((k) => t(`orders.columns.${k}`));
  const row = (order) => h("tr", {dataset: {orderId: order.id}},
    cell(columns[0], h("a", {href: orderHref(order.id)}, order.number), {}),
    cell(columns[1], when(order.placed_at)),
    cell(columns[2], orderBadge(order.status)),
    cell(columns[3], String(order.line_count)),
    cell(columns[4], money(order.total, order.currency), {class: "cell-number"}));
  const load = async () => {
    const mine = ++ticket;
    updateHash(withQuery("#/orders", {status: select.value}));
    try {
      const data = await api.get(withQuery("/portal/orders", {status: select.value, limit: 25}));
      if (mine !== ticket) return;
      if (!data.items.length) {
        replace(results, results.firstElementChild, h("div", {class: "empty-state", id: "orders-empty"},
          h("p", {}, t(select.value ? "orders.empty_filtered" : "orders.empty")),
          h("a", {href: "#/catalog", class: "button button-secondary"}, t("orders.browse"))));
        return;
      }
      const tbody = h("tbody", {}, data.items.map(row));
      replace(results, results.firstElementChild,
        h("table", {class: "table-cards", id: "orders-table"}, h("caption", {class: "visually-hidden"}, t("orders.results")),
          h("thead", {}, h("tr", {}, columns.slice(0, 4).map((c) => columnHead(c)), columnHead(columns[4], {number: true}))),
          tbody),
        ...loadMore({id: "orders-more", keyPrefix: "orders", cursor: data.next_cursor, tbody, stillCurrent: () => mine === ticket,
          fetchPage: (cursor) => api.get(withQuery("/portal/orders", {status: select.value, limit: 25, cursor})), renderRow: row}));
    } catch (error) {
      if (mine === ticket) replace(results, results.firstElementChild, loadError(error, load));
    }
  };
  select.addEventListener("change", load);
  load();
}

export function renderOrder(page, {routeParams}) {
  const id = routeParams.id;
  detailPage(page, {id: "order-detail", back: "#/orders", backLabel: t("orders.back"),
    heading: t("orders.heading", {number: id}), path: `/portal/orders/${encodeURIComponent(id)}`}, orderView)();
}

function orderView(order, reload) {
  const m = (amount) => money(amount, order.currency);
  const row = (label, value, id) => (value ? h("div", {}, h("dt", {}, label), h("dd", {id}, value)) : null);
  const status = h("p", {class: "form-error", role: "alert", id: "order-action-error"});
  const canCreate = hasAction("orders", "create");
  const actions = h("div", {class: "actions"},
    canCreate ? h("button", {type: "button", class: "button button-secondary", id: "order-reorder", on: {click: async (event) => {
      status.textContent = "";
      try {
        const cart = await whileBusy(event.currentTarget, t("orders.reordering"),
          () => api.post(`/portal/orders/${encodeURIComponent(order.id)}/reorder`));
        adoptCart(cart);
        navigate("#/checkout");
      } catch (error) {
        status.textContent = error.message;
      }
    }}}, t("orders.reorder")) : null,
    canCreate && order.cancellable ? h("button", {type: "button", class: "button button-danger", id: "order-cancel",
      on: {click: async (event) => {
        if (!window.confirm(t("orders.cancel_confirm"))) return;
        status.textContent = "";
        try {
          await whileBusy(event.currentTarget, t("orders.cancelling"),
            () => api.post(`/portal/orders/${encodeURIComponent(order.id)}/cancel`, {}));
          announce(t("orders.cancelled"));
          reload();
        } catch (error) {
          status.textContent = error.message;
        }
      }}}, t("orders.cancel")) : null);
  const lines = order.lines || [];
  const columns = ["product", "qty", "unit_price", "tax_rate", "subtotal"].map((k) => t(`orders.lines_columns.${k}`));
  return [
    h("header", {class: "page-header"},
      h("p", {class: "breadcrumb"}, h("a", {href: "#/orders"}, t("orders.back"))),
      h("h1", {tabindex: "-1"}, t("orders.heading", {number: order.number})),
      h("p", {id: "order-status", dataset: {status: order.status}}, orderBadge(order.status))),
    h("section", {class: "card", "aria-labelledby": "order-summary-title"},
      h("h2", {class: "card-title", id: "order-summary-title"}, t("orders.summary")),
      h("dl", {class: "invoice-facts"},
        row(t("orders.placed_at"), when(order.placed_at), "order-placed-at"),
        row(t("orders.placed_by"), order.contact?.name, "order-contact"),
        row(t("orders.po"), order.po_number, "order-po"),
        row(t("orders.requested_date"), order.requested_date ? formatDate(order.requested_date) : null, "order-date"),
        row(t("orders.address"), order.delivery_address, "order-address"),
        row(t("orders.notes"), order.notes, "order-notes"),
        order.quote_id ? row(t("orders.from_quote"), h("a", {href: quoteHref(order.quote_id)}, order.quote_id), "order-quote") : null),
      h("dl", {class: "invoice-facts invoice-amounts"},
        row(t("cart.subtotal"), m(order.subtotal), "order-subtotal"),
        row(t("cart.tax"), m(order.tax), "order-tax"),
        row(t("cart.total"), h("strong", {}, m(order.total)), "order-total")),
      status, actions),
    h("section", {class: "card", "aria-labelledby": "order-lines-title"},
      h("h2", {class: "card-title", id: "order-lines-title"}, t("orders.lines")),
      h("table", {class: "table-cards", id: "order-lines"},
        h("thead", {}, h("tr", {}, columnHead(columns[0]), columns.slice(1).map((c) => columnHead(c, {number: true})))),
        h("tbody", {}, lines.map((line) => h("tr", {dataset: {sku: line.sku || ""}},
          cell(columns[0], [line.name || line.description || line.sku, line.sku ? h("span", {class: "muted"}, ` · ${line.sku}`) : null]),
          cell(columns[1], String(line.qty), {class: "cell-number"}),
          cell(columns[2], m(line.unit_price), {class: "cell-number"}),
          cell(columns[3], rateText(line.tax_rate), {class: "cell-number"}),
          cell(columns[4], m(line.subtotal), {class: "cell-number"})))))),
    h("section", {class: "card", "aria-labelledby": "order-timeline-title"},
      h("h2", {class: "card-title", id: "order-timeline-title"}, t("orders.timeline")),
      h("ol", {class: "timeline", id: "order-timeline"}, (order.timeline || []).map((entry) => h("li", {class: "timeline-entry",
        dataset: {status: entry.status}},
      h("div", {class: "timeline-head"}, h("strong", {}, t(`orders.status.${entry.status}`)), when(entry.at),
        h("span", {class: "muted"}, entry.by === "staff" ? t("orders.by_staff") : entry.name || t("orders.by_contact"))),
      entry.reason ? h("p", {class: "timeline-detail"}, t("orders.reason", {reason: entry.reason})) : null,
      entry.note ? h("p", {class: "timeline-detail"}, entry.note) : null,
      entry.tracking ? h("p", {class: "timeline-detail"}, t("orders.tracking", {tracking: entry.tracking})) : null)))),
  ];
}
