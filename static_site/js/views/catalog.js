// #/catalog — "Catálogo": products and services with the account's own prices, as a grid or a list, searched
// (every word must match: name, reference, description, characteristics) and filtered by kind and category, in
// pages ("Cargar más"). #/catalog/{sku} — one product with its characteristics, quantity breaks and "Agregar".
// A product without a price says "Consultar precio" and offers a quote request instead of the cart.

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {updateHash} from "../router.js";
import {hasAction, hasModule} from "../session.js";
import {loadError, safeHttpUrl, tCount} from "./billing.js";
import {addToCart, detailPage, priceBlock, productHref, rateText} from "./sales.js";

const PAGE_SIZE = 24;
const SEARCH_DELAY_MS = 350;
const KINDS = ["", "product", "service"];

export function renderCatalog(page, {params}) {
  const layout = params.get("view") === "list" ? "list" : "grid";
  const search = h("input", {id: "catalog-search", type: "search", value: params.get("q") || "", autocomplete: "off",
    placeholder: t("catalog.search_placeholder"), "aria-describedby": "catalog-search-hint"});
  const kind = h("select", {id: "catalog-kind"}, KINDS.map((k) => h("option", {value: k, selected: k === (params.get("kind") || "")},
    t(`catalog.kinds.${k || "all"}`))));
  const category = h("input", {id: "catalog-category", type: "text", value: params.get("category") || "",
    placeholder: t("catalog.category_placeholder")});
  const views = ["grid", "list"].map((v) => h("button", {type: "button", class: "button button-secondary button-small",
    id: `catalog-view-${v}`, "aria-pressed": String(v === layout), dataset: {view: v}}, t(`catalog.view_${v}`)));
  const field = (id, label, control, hint) => h("div", {class: "field"}, h("label", {for: id}, label), control,
    hint ? h("p", {class: "field-hint", id: `${id}-hint`}, hint) : null);
  const form = h("form", {id: "catalog-filters", class: "card filters", role: "search", "aria-label": t("catalog.filters")},
    h("div", {class: "filter-row filter-row-search"},
      field("catalog-search", t("catalog.search"), search, t("catalog.search_hint")),
      field("catalog-kind", t("catalog.kind"), kind),
      field("catalog-category", t("catalog.category"), category)),
    h("div", {class: "actions", role: "group", "aria-label": t("catalog.view_label")}, views));
  const results = h("section", {id: "catalog-results", class: `catalog catalog-${layout}`, "aria-labelledby": "catalog-results-title"},
    h("h2", {id: "catalog-results-title", class: "visually-hidden"}, t("catalog.results")), skeleton(6));
  page.append(
    h("header", {class: "page-header page-header-actions"},
      h("div", {}, h("h1", {tabindex: "-1"}, t("catalog.title")), h("p", {class: "lead"}, t("catalog.lead"))),
      h("a", {href: "#/price-list", class: "button button-secondary", id: "catalog-price-list"}, t("catalog.price_list"))),
    form, results);

  let ticket = 0;
  let timer = null;
  let currentLayout = layout;
  const chosen = () => ({q: search.value.trim(), kind: kind.value, category: category.value.trim()});
  const load = async () => {
    const mine = ++ticket;
    const filters = chosen();
    updateHash(withQuery("#/catalog", {...filters, view: currentLayout === "list" ? "list" : ""}));
    results.setAttribute("aria-busy", "true");
    replace(results, results.firstElementChild, skeleton(6));
    try {
      const data = await api.get(withQuery("/portal/catalog", {...filters, limit: PAGE_SIZE}));
      if (mine !== ticket) return;
      showPage(results, data, filters, () => mine === ticket);
      announce(tCount("catalog.found", data.items.length));
    } catch (error) {
      if (mine === ticket) replace(results, results.firstElementChild, loadError(error, load));
    } finally {
      if (mine === ticket) results.removeAttribute("aria-busy");
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    load();
  });
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, SEARCH_DELAY_MS);
  });
  kind.addEventListener("change", load);
  category.addEventListener("change", load);
  for (const button of views) {
    button.addEventListener("click", () => {
      currentLayout = button.dataset.view;
      for (const b of views) b.setAttribute("aria-pressed", String(b === button));
      results.className = `catalog catalog-${currentLayout}`;
      updateHash(withQuery("#/catalog", {...chosen(), view: currentLayout === "list" ? "list" : ""}));
    });
  }
  load();
}

function showPage(results, data, filters, stillCurrent) {
  const heading = results.firstElementChild;
  if (!data.items.length) {
    replace(results, heading, h("div", {class: "empty-state card", id: "catalog-empty"},
      h("p", {}, t(filters.q || filters.kind || filters.category ? "catalog.empty_filtered" : "catalog.empty")),
      hasModule("quotes") ? h("a", {href: "#/quotes/request", class: "button button-secondary"}, t("catalog.ask_quote"))
        : null));
    return;
  }
  const list = h("ul", {class: "product-grid", id: "catalog-list"}, data.items.map(productCard));
  let cursor = data.next_cursor;
  const more = h("button", {type: "button", id: "catalog-more", class: "button button-secondary"}, t("catalog.more"));
  const moreRow = h("div", {class: "actions load-more"}, more);
  moreRow.hidden = !cursor;
  more.addEventListener("click", async () => {
    const next = await whileBusy(more, t("catalog.loading_more"),
      () => api.get(withQuery("/portal/catalog", {...filters, limit: PAGE_SIZE, cursor})));
    if (!stillCurrent()) return;
    list.append(...next.items.map(productCard));
    cursor = next.next_cursor;
    moreRow.hidden = !cursor;
    announce(tCount("catalog.loaded_more", next.items.length));
  });
  replace(results, heading, list, moreRow);
}

function image(product, size) {
  const src = safeHttpUrl(product.image_url);
  return src
    ? h("img", {src, alt: "", class: `product-image product-image-${size}`, loading: "lazy", width: size === "large" ? "320" : "160",
      height: size === "large" ? "320" : "160"})
    : h("div", {class: `product-image product-image-${size} product-image-none`, "aria-hidden": "true"},
      product.kind === "service" ? "⚙" : "▣");
}

export function addControls(product, idPrefix = "add") {
  const canAdd = hasModule("catalog") && product.orderable;
  if (!canAdd) {
    return hasModule("quotes") && hasAction("quotes", "create")
      ? h("a", {href: withQuery("#/quotes/request", {sku: product.sku}), class: "button button-secondary button-small ask-quote",
        dataset: {sku: product.sku}}, t("catalog.ask_quote"))
      : null;
  }
  const min = product.price?.min_qty || 1;
  const qty = h("input", {type: "number", min: String(min), step: "1", value: String(min), class: "qty-input",
    id: `${idPrefix}-qty-${product.sku}`, "aria-label": t("catalog.qty_for", {name: product.name})});
  const status = h("span", {class: "add-status", "aria-live": "polite"});
  const button = h("button", {type: "button", class: "button button-small add-to-cart", dataset: {sku: product.sku},
    id: `${idPrefix}-${product.sku}`}, t("catalog.add"));
  button.addEventListener("click", async () => {
    status.textContent = "";
    status.classList.remove("form-error");
    const amount = Math.max(min, Math.trunc(Number(qty.value) || min));
    try {
      await whileBusy(button, t("catalog.adding"), () => addToCart(product.sku, amount));
      status.textContent = t("catalog.added");
    } catch (error) {
      status.classList.add("form-error");
      status.textContent = error.message;
    }
  });
  return h("div", {class: "add-controls"}, qty, button, status);
}

function productCard(product) {
  return h("li", {class: "product-card card", dataset: {sku: product.sku}},
    h("a", {href: productHref(product.sku), class: "product-image-link", tabindex: "-1", "aria-hidden": "true"},
      image(product, "small")),
    h("div", {class: "product-body"},
      h("h3", {class: "product-name"}, h("a", {href: productHref(product.sku)}, product.name)),
      h("p", {class: "muted product-meta"}, product.sku, product.category ? ` · ${product.category}` : "",
        product.kind === "service" ? ` · ${t("catalog.kinds.service")}` : ""),
      product.summary ? h("p", {class: "product-summary"}, product.summary) : null,
      priceBlock(product),
      product.stock !== null && product.stock !== undefined
        ? h("p", {class: "muted product-stock"}, t(product.stock > 0 ? "catalog.stock" : "catalog.no_stock", {count: product.stock}))
        : null,
      addControls(product)));
}

export function renderProduct(page, {routeParams}) {
  const sku = routeParams.sku;
  detailPage(page, {id: "product-detail", back: "#/catalog", backLabel: t("catalog.back"), heading: sku,
    path: `/portal/catalog/${encodeURIComponent(sku)}`}, productView)();
}

function productView(product) {
  const attributes = Object.entries(product.attributes || {});
  return [
    h("header", {class: "page-header"}, h("p", {class: "breadcrumb"}, h("a", {href: "#/catalog"}, t("catalog.back"))),
      h("h1", {tabindex: "-1", id: "product-name"}, product.name),
      h("p", {class: "muted"}, `${t("catalog.sku")}: ${product.sku}`, product.category ? ` · ${product.category}` : "")),
    h("section", {class: "card product-page"},
      image(product, "large"),
      h("div", {class: "product-buy"},
        priceBlock(product, {tiers: true}),
        product.stock !== null && product.stock !== undefined
          ? h("p", {class: "muted"}, t(product.stock > 0 ? "catalog.stock" : "catalog.no_stock", {count: product.stock})) : null,
        addControls(product, "product-add"))),
    product.description ? h("section", {class: "card"}, h("h2", {class: "card-title"}, t("catalog.description")),
      h("p", {class: "product-description"}, product.description)) : null,
    h("section", {class: "card", "aria-labelledby": "product-attributes-title"},
      h("h2", {class: "card-title", id: "product-attributes-title"}, t("catalog.attributes")),
      attributes.length
        ? h("dl", {class: "data-list", id: "product-attributes"}, attributes.map(([name, value]) => h("div", {},
          h("dt", {}, name), h("dd", {}, value))),
        h("div", {}, h("dt", {}, t("catalog.unit")), h("dd", {}, product.unit)),
        h("div", {}, h("dt", {}, t("catalog.tax_rate")), h("dd", {}, rateText(product.tax_rate))))
        : h("p", {class: "muted"}, t("catalog.no_attributes"))),
  ];
}
