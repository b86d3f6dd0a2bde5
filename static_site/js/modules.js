// Which pages each module brings. The nav is built from this registry and the contact's `modules`:
// a module the contact lacks has no nav entry and no route. Pages are listed in the order of the
// navigation table in UI.md (billing: receivables, statement, invoices; payments; …; profile last).

import {renderCatalog, renderProduct} from "./views/catalog.js";
import {renderCaseDetail, renderCaseNew, renderCaseReport, renderCases} from "./views/cases.js";
import {renderDashboard} from "./views/dashboard.js";
import {renderInvoiceDetail} from "./views/invoice-detail.js";
import {renderInvoices} from "./views/invoices.js";
import {renderKb, renderKbArticle} from "./views/kb.js";
import {renderPaymentDetail} from "./views/payment-detail.js";
import {renderPaymentHistory} from "./views/payment-history.js";
import {renderPaymentNew} from "./views/payment-new.js";
import {renderPriceList} from "./views/price-list.js";
import {renderCheckout, renderOrder, renderOrders} from "./views/orders.js";
import {renderProfile} from "./views/profile.js";
import {renderQuote, renderQuoteRequest, renderQuotes} from "./views/quotes.js";
import {renderReceivables} from "./views/receivables.js";
import {renderStatement} from "./views/statement.js";

/** The dashboard belongs to everyone signed in; it is not a module. */
export const HOME_PAGE = {route: "/", labelKey: "nav.home", view: renderDashboard};

/**
 * [{module, route, labelKey, view, nav?, navRoute?, titleKey?}]. A page exists only for contacts whose
 * grant lists its module (DESIGN §1: a module the contact lacks does not exist for them). `nav: false`
 * pages (an invoice's detail) have no nav entry; `navRoute` names the entry marked current while they
 * show. A ":name" route segment is a parameter (see router.js).
 */
export const MODULE_PAGES = [
  {module: "billing", route: "/receivables", labelKey: "nav.receivables", view: renderReceivables},
  {module: "billing", route: "/statement", labelKey: "nav.statement", view: renderStatement},
  {module: "billing", route: "/invoices", labelKey: "nav.invoices", view: renderInvoices},
  {module: "billing", route: "/invoices/:id", labelKey: "nav.invoices", titleKey: "invoice.title",
    view: renderInvoiceDetail, nav: false, navRoute: "/invoices"},
  {module: "payments", route: "/payments", labelKey: "nav.payments", view: renderPaymentHistory},
  {module: "payments", route: "/payments/new", labelKey: "nav.payments", titleKey: "payment_new.title",
    view: renderPaymentNew, nav: false, navRoute: "/receivables"}, // the selection's next step
  {module: "payments", route: "/payments/:id", labelKey: "nav.payments", titleKey: "payment.title",
    view: renderPaymentDetail, nav: false, navRoute: "/payments"},
  {module: "catalog", route: "/catalog", labelKey: "nav.catalog", view: renderCatalog},
  {module: "catalog", route: "/catalog/:sku", labelKey: "nav.catalog", titleKey: "catalog.product_title",
    view: renderProduct, nav: false, navRoute: "/catalog"},
  {module: "catalog", route: "/price-list", labelKey: "nav.catalog", titleKey: "price_list.title",
    view: renderPriceList, nav: false, navRoute: "/catalog"},
  {module: "orders", route: "/checkout", labelKey: "nav.orders", titleKey: "checkout.title", view: renderCheckout,
    nav: false, navRoute: "/catalog"},
  {module: "orders", route: "/orders", labelKey: "nav.orders", view: renderOrders},
  {module: "orders", route: "/orders/:id", labelKey: "nav.orders", titleKey: "orders.title", view: renderOrder,
    nav: false, navRoute: "/orders"},
  {module: "quotes", route: "/quotes", labelKey: "nav.quotes", view: renderQuotes},
  {module: "quotes", route: "/quotes/request", labelKey: "nav.quotes", titleKey: "quotes.request_title",
    view: renderQuoteRequest, nav: false, navRoute: "/quotes"},
  {module: "quotes", route: "/quotes/:id", labelKey: "nav.quotes", titleKey: "quotes.title", view: renderQuote,
    nav: false, navRoute: "/quotes"},
  {module: "cases", route: "/cases", labelKey: "nav.cases", view: renderCases},
  {module: "cases", route: "/cases/new", labelKey: "nav.cases", titleKey: "cases.new_title", view: renderCaseNew,
    nav: false, navRoute: "/cases"},
  {module: "cases", route: "/cases/report", labelKey: "nav.cases", titleKey: "cases.report_title",
    view: renderCaseReport, nav: false, navRoute: "/cases"},
  {module: "cases", route: "/cases/:id", labelKey: "nav.cases", titleKey: "cases.title", view: renderCaseDetail,
    nav: false, navRoute: "/cases"},
  {module: "knowledge", route: "/kb", labelKey: "nav.kb", view: renderKb},
  {module: "knowledge", route: "/kb/:id", labelKey: "nav.kb", titleKey: "kb.title", view: renderKbArticle, nav: false,
    navRoute: "/kb"},
  {module: "profile", route: "/profile", labelKey: "nav.profile", view: renderProfile},
];

/** Nav entries for a contact's `modules` object (from /me), in registry order. */
export function navEntries(modules = {}) {
  const granted = MODULE_PAGES.filter((page) => page.nav !== false && Object.hasOwn(modules, page.module));
  return [HOME_PAGE, ...granted];
}
