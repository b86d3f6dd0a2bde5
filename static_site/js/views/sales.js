// Pieces shared by the sales pages (catalog, product, checkout, orders, quotes, price list) and the cart drawer:
// the server-side cart (GET/PUT /portal/cart, priced on every read), the header's cart button with its count,
// the drawer with live totals, price words ("consultar precio", "desde 12 unidades") and state badges.

import {api, request} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDateTime} from "../format.js";
import {t} from "../i18n.js";
import {money} from "../money.js";
import {navigate} from "../router.js";
import {hasAction, hasModule} from "../session.js";
import {loadError, tCount, tenantTimeZone} from "./billing.js";

/**
 * A record's page (a product, an order, a quote): its header and a skeleton at once, then the nodes
 * `render(record, reload, ...args)` returns; a failed load leaves the header and shows the retry card. The
 * heading keeps the focus it had. Returns `load(...args)`, which resolves to the record (undefined on failure).
 */
export function detailPage(page, {id, back, backLabel, heading, path}, render) {
  const root = h("div", {id, "aria-busy": "true"},
    h("header", {class: "page-header"}, h("p", {class: "breadcrumb"}, h("a", {href: back}, backLabel)),
      h("h1", {tabindex: "-1"}, heading)),
    h("div", {class: "card"}, skeleton(6)));
  page.append(root);
  const load = async (...args) => {
    let record;
    try {
      record = await api.get(path);
    } catch (error) {
      root.removeAttribute("aria-busy");
      replace(root, root.firstElementChild, h("div", {class: "card"}, loadError(error, () => load(...args))));
      return undefined;
    }
    root.removeAttribute("aria-busy");
    const focused = document.activeElement === root.querySelector("h1");
    replace(root, ...render(record, load, ...args));
    if (focused) root.querySelector("h1")?.focus();
    return record;
  };
  return load;
}

export const productHref = (sku) => `#/catalog/${encodeURIComponent(sku)}`;
export const orderHref = (id) => `#/orders/${encodeURIComponent(id)}`;
export const quoteHref = (id) => `#/quotes/${encodeURIComponent(id)}`;

/** A rate in basis points as people read it: 1900 → "19 %" ("19,5 %" in Spanish for 1950). */
export function rateText(bp) {
  const value = (Number(bp) || 0) / 100;
  return `${new Intl.NumberFormat(document.documentElement.lang || "es-CO", {maximumFractionDigits: 2}).format(value)} %`;
}

/** The price block of a product: its unit price (and quantity breaks), or "Consultar precio". */
export function priceBlock(product, {tiers = false} = {}) {
  const price = product.price;
  if (!price) {
    return h("p", {class: "price price-none", dataset: {priced: "false"}}, t("catalog.ask_price"));
  }
  const unit = t("catalog.per_unit", {unit: product.unit});
  return h("div", {class: "price", dataset: {priced: "true"}},
    h("p", {class: "price-main"}, money(price.unit_price, price.currency, {class: "price-amount"}),
      h("span", {class: "muted"}, " ", unit)),
    price.min_qty > 1 ? h("p", {class: "muted price-min"}, t("catalog.min_qty", {qty: price.min_qty, unit: product.unit}))
      : null,
    h("p", {class: "muted price-tax"}, product.tax_rate ? t("catalog.plus_tax", {rate: rateText(product.tax_rate)})
      : t("catalog.tax_exempt")),
    tiers && price.tiers.length > 1
      ? h("ul", {class: "price-tiers", "aria-label": t("catalog.tiers")}, price.tiers.map((tier) => h("li", {},
        t("catalog.tier_from", {qty: tier.min_qty}), " ", money(tier.unit_price, price.currency))))
      : null);
}

const ORDER_ICONS = {received: "◷", confirmed: "✓", in_preparation: "⚙", shipped: "➜", delivered: "✓✓",
  rejected: "✕", cancelled: "⦸"};
const QUOTE_ICONS = {sent: "✉", accepted: "✓", rejected: "✕", expired: "⌛", cancelled: "⦸"};

export function orderBadge(status) {
  return h("span", {class: `badge badge-order badge-order-${status.replaceAll("_", "-")}`, dataset: {status}},
    h("span", {class: "badge-icon", "aria-hidden": "true"}, ORDER_ICONS[status] || "•"), " ",
    t(`orders.status.${status}`));
}

export function quoteBadge(status) {
  return h("span", {class: `badge badge-quote badge-quote-${status}`, dataset: {status}},
    h("span", {class: "badge-icon", "aria-hidden": "true"}, QUOTE_ICONS[status] || "•"), " ",
    t(`quotes.status.${status}`));
}

export function when(instant) {
  return instant ? h("time", {datetime: instant}, formatDateTime(instant, tenantTimeZone())) : "";
}

/** A new Idempotency-Key for one form's submission (kept across its retries). */
export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// ---------- the cart (one copy per page load, refreshed from the API) ----------

let cart = null; // the last cart the API answered
const listeners = new Set();

export function onCartChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setCart(next) {
  cart = next;
  for (const listener of listeners) listener(cart);
  updateCartButton();
  return cart;
}

export function currentCart() {
  return cart;
}

export async function loadCart() {
  return setCart(await api.get("/portal/cart"));
}

/** Replaces the cart's lines (`[{sku, qty}]`) and keeps the priced answer. */
export async function saveCart(lines) {
  return setCart(await request("PUT", "/portal/cart", {body: {lines}}));
}

/** Adds `qty` of `sku` (to a line already there, or a new line). */
export async function addToCart(sku, qty) {
  const current = cart || await loadCart();
  const lines = current.lines.map((line) => ({sku: line.sku, qty: line.qty}));
  const line = lines.find((l) => l.sku === sku);
  if (line) line.qty += qty;
  else lines.push({sku, qty});
  await saveCart(lines);
  announce(t("cart.added", {count: qty}));
}

export function forgetCart() {
  cart = null;
  updateCartButton();
}

/** Adopts a cart the API answered elsewhere (reorder). */
export function adoptCart(next) {
  setCart(next);
}

// ---------- the header button and the drawer ----------

export function cartButton() {
  if (!hasModule("catalog")) return null;
  const button = h("button", {type: "button", id: "cart-button", class: "button button-secondary button-small cart-button",
    "aria-controls": "cart-drawer", "aria-expanded": "false", on: {click: () => openDrawer()}},
  t("cart.title"), " ",
  h("span", {id: "cart-count", class: "cart-count"}, cart ? String(cart.count) : "0"));
  if (!cart) loadCart().catch(() => {});
  return button;
}

function updateCartButton() {
  const count = document.getElementById("cart-count");
  if (count) count.textContent = cart ? String(cart.count) : "0";
}

let drawer = null;

function closeDrawer() {
  if (!drawer) return;
  drawer.remove();
  drawer = null;
  const button = document.getElementById("cart-button");
  button?.setAttribute("aria-expanded", "false");
  button?.focus();
}

export function openDrawer() {
  if (drawer) return;
  const body = h("div", {class: "drawer-body", id: "cart-drawer-body"}, skeleton(4));
  const close = h("button", {type: "button", class: "button button-secondary button-small", id: "cart-close",
    on: {click: closeDrawer}}, t("cart.close"));
  drawer = h("div", {class: "drawer-backdrop", on: {click: (event) => event.target === drawer && closeDrawer()}},
    h("aside", {id: "cart-drawer", class: "drawer", role: "dialog", "aria-modal": "true", "aria-labelledby": "cart-drawer-title"},
      h("header", {class: "drawer-head"}, h("h2", {id: "cart-drawer-title"}, t("cart.title")), close),
      body));
  drawer.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDrawer();
  });
  document.body.append(drawer);
  document.getElementById("cart-button")?.setAttribute("aria-expanded", "true");
  close.focus();
  const draw = (value) => replace(body, cartView(value, {compact: true, onNavigate: closeDrawer}));
  const off = onCartChange((value) => drawer ? draw(value) : off());
  loadCart().then(draw, (error) => replace(body, loadError(error, () => loadCart().then(draw))));
}

/** The cart's lines with quantity controls and its live totals; used by the drawer and the checkout page. */
export function cartView(value, {compact = false, onNavigate = () => {}, editable = true} = {}) {
  if (!value.lines.length) {
    return h("div", {class: "empty-state", id: "cart-empty"},
      h("p", {}, t("cart.empty")),
      h("a", {href: "#/catalog", class: "button button-secondary", on: {click: onNavigate}}, t("cart.browse")));
  }
  const status = h("p", {class: "form-error", role: "alert", id: "cart-error"});
  const change = async (sku, qty) => {
    status.textContent = "";
    const lines = value.lines.map((l) => ({sku: l.sku, qty: l.sku === sku ? qty : l.qty})).filter((l) => l.qty > 0);
    try {
      await saveCart(lines);
    } catch (error) {
      status.textContent = error.message;
    }
  };
  const rows = value.lines.map((line) => {
    const qty = h("input", {type: "number", min: "1", step: "1", value: String(line.qty), class: "qty-input",
      id: `cart-qty-${line.sku}`, "aria-label": t("cart.qty_for", {name: line.name || line.sku}), disabled: !editable});
    qty.addEventListener("change", () => {
      const next = Math.max(1, Math.trunc(Number(qty.value) || 1));
      change(line.sku, next);
    });
    return h("li", {class: `cart-line${line.available ? "" : " is-unavailable"}`, dataset: {cartSku: line.sku}},
      h("div", {class: "cart-line-head"},
        h("a", {href: productHref(line.sku), on: {click: onNavigate}}, line.name || line.sku),
        h("span", {class: "muted"}, ` · ${line.sku}`)),
      line.available
        ? h("p", {class: "muted"}, money(line.unit_price, value.currency), " × ", String(line.qty), " = ",
          money(line.subtotal, value.currency))
        : h("p", {class: "cart-unavailable"}, h("span", {"aria-hidden": "true"}, "⚠ "),
          t(`cart.unavailable.${line.unavailable_reason}`, {qty: line.min_qty || ""})),
      editable ? h("div", {class: "cart-line-actions"}, qty,
        h("button", {type: "button", class: "button button-secondary button-small", dataset: {removeSku: line.sku},
          on: {click: () => change(line.sku, 0)}}, t("cart.remove"))) : null);
  });
  const totals = value.totals;
  const canOrder = hasModule("orders") && hasAction("orders", "create");
  const canQuote = hasModule("quotes") && hasAction("quotes", "create");
  return h("div", {class: compact ? "cart cart-compact" : "cart"},
    h("ul", {class: "cart-lines", id: "cart-lines"}, rows),
    h("dl", {class: "cart-totals", id: "cart-totals", "aria-live": "polite"},
      h("div", {}, h("dt", {}, t("cart.subtotal")), h("dd", {id: "cart-subtotal"}, money(totals.subtotal, value.currency))),
      h("div", {}, h("dt", {}, t("cart.tax")), h("dd", {id: "cart-tax"}, money(totals.tax, value.currency))),
      h("div", {class: "cart-total"}, h("dt", {}, t("cart.total")),
        h("dd", {id: "cart-total"}, money(totals.total, value.currency)))),
    h("p", {class: "muted"}, tCount("cart.count", value.count)),
    status,
    !value.orderable ? h("p", {class: "notice", id: "cart-not-orderable"}, t("cart.not_orderable")) : null,
    compact ? h("div", {class: "actions"},
      canOrder && value.orderable ? h("a", {href: "#/checkout", id: "cart-checkout", class: "button",
        on: {click: onNavigate}}, t("cart.checkout")) : null,
      canQuote ? h("a", {href: "#/quotes/request?from_cart=1", id: "cart-quote", class: "button button-secondary",
        on: {click: onNavigate}}, t("cart.request_quote")) : null) : null);
}

/** After an order: the drawer closes and the new order opens. */
export function goToOrder(id) {
  closeDrawer();
  navigate(orderHref(id));
}
