// #/statement — "Estado de cuenta": a year and a month (or the whole year), optionally a currency; the
// account's header, opening balance, movements with running balance, totals, closing balance and the
// documents still open at the period's end. The chosen period lives in the hash query
// (#/statement?year=2026&period=11) so a reload or a shared link shows the same statement.

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate, formatDateTime, monthName} from "../format.js";
import {clearErrors, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {money as moneyOf} from "../money.js";
import {updateHash} from "../router.js";
import {currentUser} from "../session.js";
import {taxIdText} from "./account.js";
import {
  canBilling, cell, columnHead, invoiceHref, loadError, openFile, tCount, tenantTimeZone, tenantToday,
} from "./billing.js";

const YEARS_BACK = 6;
const PARAMS = ["year", "period", "from", "to", "currency"];

/** The statement query from the hash: {year, period, from, to, currency}, only the ones present. */
function queryFrom(params) {
  const query = {};
  for (const name of PARAMS) {
    const value = params.get(name);
    if (value) query[name] = value;
  }
  if (query.period && /^\d$/.test(query.period)) query.period = `0${query.period}`;
  if (query.currency) query.currency = query.currency.toUpperCase();
  return query;
}

export function renderStatement(page, {params}) {
  let query = queryFrom(params);
  const today = tenantToday();
  const thisYear = Number(today.slice(0, 4));

  const years = new Set(Array.from({length: YEARS_BACK}, (_, i) => String(thisYear - i)));
  if (/^\d{4}$/.test(query.year || "")) years.add(query.year);
  const yearSelect = h("select", {id: "statement-year", name: "year", dataset: {field: "year"},
    "aria-describedby": "statement-year-error"},
  [...years].sort().reverse().map((year) => h("option", {value: year}, year)));
  const periodSelect = h("select", {id: "statement-period", name: "period", dataset: {field: "period"},
    "aria-describedby": "statement-period-error"},
  h("option", {value: ""}, t("statement.whole_year")),
  Array.from({length: 12}, (_, i) => h("option", {value: String(i + 1).padStart(2, "0")}, monthName(i + 1))));
  const accountCurrency = currentUser()?.account?.currency || "";
  const currencyInput = h("input", {
    id: "statement-currency", name: "currency", type: "text", dataset: {field: "currency"}, maxlength: "3",
    autocomplete: "off", autocapitalize: "characters", spellcheck: "false", placeholder: accountCurrency,
    pattern: "[A-Za-z]{3}", value: query.currency || "",
    "aria-describedby": accountCurrency ? "statement-currency-hint statement-currency-error" : "statement-currency-error",
  });
  const field = (id, label, control, hint) => h("div", {class: "field"},
    h("label", {for: id}, label),
    control,
    hint ? h("p", {class: "field-hint", id: `${id}-hint`}, hint) : null,
    h("p", {class: "field-error", id: `${id}-error`}));
  const show = h("button", {type: "submit", id: "statement-show", class: "button"}, t("statement.show"));
  const errorRegion = h("div", {id: "statement-error", class: "form-error", role: "alert"});
  const form = h("form", {id: "statement-form", class: "card statement-controls", novalidate: true,
    "aria-label": t("statement.pickers_label")},
  h("div", {class: "picker-row"},
    field("statement-year", t("statement.year"), yearSelect),
    field("statement-period", t("statement.period"), periodSelect),
    field("statement-currency", t("statement.currency"), currencyInput,
      accountCurrency ? t("statement.currency_hint", {currency: accountCurrency}) : null),
    h("div", {class: "picker-submit"}, show)),
  errorRegion);

  const body = h("div", {id: "statement-body", class: "statement-body"});
  page.append(
    h("header", {class: "page-header no-print"},
      h("h1", {tabindex: "-1"}, t("statement.title")),
      h("p", {class: "lead"}, t("statement.lead"))),
    form,
    body);

  const setPickers = ({year, period}) => {
    if (year) {
      if (![...yearSelect.options].some((option) => option.value === year)) yearSelect.append(h("option", {value: year}, year));
      yearSelect.value = year;
    }
    periodSelect.value = period || "";
  };
  // Without a query the API shows the current month; the pickers say so too.
  setPickers(query.year ? query : {year: String(thisYear), period: today.slice(5, 7)});

  let ticket = 0;
  const load = async ({announceIt = false} = {}) => {
    const mine = ++ticket;
    clearErrors(form, errorRegion);
    body.setAttribute("aria-busy", "true");
    replace(body, h("div", {class: "card"}, skeleton(3)), h("div", {class: "card"}, skeleton(8)));
    try {
      const statement = await api.get(withQuery("/portal/statement", query));
      if (mine !== ticket) return;
      replace(body, statementView(statement, query));
      // A query by dates shows its own period; the pickers follow when it is a month or a year.
      const pickers = pickersFor(statement.period);
      if (pickers && !query.year) setPickers(pickers);
      if (announceIt) announce(t("statement.loaded", {period: periodText(statement.period)}));
    } catch (error) {
      if (mine !== ticket) return;
      if (error.status === 422) {
        showApiError(form, errorRegion, error);
        replace(body, h("p", {class: "muted statement-none"}, t("statement.choose_other")));
      } else {
        replace(body, loadError(error, () => load()));
      }
    } finally {
      if (mine === ticket) body.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const currency = currencyInput.value.trim().toUpperCase();
    currencyInput.value = currency;
    query = {year: yearSelect.value, period: periodSelect.value || undefined, currency: currency || undefined};
    updateHash(withQuery("#/statement", query));
    await whileBusy(show, t("statement.loading"), () => load({announceIt: true}));
  });

  load();
}

/** {year, period} when `period` ({from, to}) is one calendar month or one calendar year. */
function pickersFor(period) {
  const match = /^(\d{4})-(\d{2})-01$/.exec(period?.from || "");
  if (!match || !period.to) return null;
  const [, year, month] = match;
  if (period.to === `${year}-12-31` && month === "01") return {year, period: ""};
  const lastDay = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  return period.to === `${year}-${month}-${String(lastDay).padStart(2, "0")}` ? {year, period: month} : null;
}

/** "Noviembre 2026", "Año 2026" or "1 nov 2026 – 15 nov 2026". */
function periodText(period) {
  const pickers = pickersFor(period);
  if (pickers?.period) return `${monthName(Number(pickers.period))} ${pickers.year}`;
  if (pickers) return t("statement.year_label", {year: pickers.year});
  return `${formatDate(period?.from)} – ${formatDate(period?.to)}`;
}

const MOVEMENT_TYPES = ["invoice", "credit_note", "debit_note", "receipt", "portal_payment"];

function statementView(statement, query) {
  const currency = statement.currency;
  const money = (amount) => moneyOf(amount || 0, currency);
  const account = statement.account || {};
  const pdfStatus = h("p", {id: "statement-pdf-status", class: "file-status", "aria-live": "polite"});
  const pdfButton = canBilling("download")
    ? h("button", {type: "button", id: "statement-pdf", class: "button"}, t("statement.pdf"))
    : null;
  pdfButton?.addEventListener("click", async () => {
    pdfStatus.textContent = "";
    pdfStatus.classList.remove("form-error");
    try {
      const file = await whileBusy(pdfButton, t("statement.pdf_preparing"),
        () => api.get(withQuery("/portal/statement/pdf", query)));
      openFile(file.url, pdfStatus, {linkId: "statement-pdf-link", linkText: file.filename || t("statement.pdf_link")});
    } catch (error) {
      pdfStatus.classList.add("form-error");
      pdfStatus.textContent = error.message;
    }
  });
  const printButton = h("button", {type: "button", id: "statement-print", class: "button button-secondary",
    on: {click: () => window.print()}}, t("statement.print"));

  const row = (label, value) => value ? [h("dt", {}, label), h("dd", {}, value)] : null;
  const executive = account.account_executive?.name;
  return h("article", {class: "card statement", id: "statement", "aria-labelledby": "statement-heading"},
    h("header", {class: "statement-header"},
      h("div", {class: "statement-account"},
        h("h2", {id: "statement-heading", class: "statement-title"},
          t("statement.heading", {period: periodText(statement.period)})),
        h("p", {class: "statement-account-name"}, account.name),
        h("dl", {class: "statement-facts"},
          row(t("statement.tax_id"), taxIdText(account)),
          row(t("statement.address"), [account.address, account.city].filter(Boolean).join(", ")),
          row(t("statement.email"), account.email),
          row(t("statement.phone"), account.phone),
          row(t("statement.executive"), executive))),
      h("dl", {class: "statement-facts statement-meta"},
        row(t("statement.period_label"), `${formatDate(statement.period?.from)} – ${formatDate(statement.period?.to)}`),
        row(t("statement.currency"), currency),
        row(t("statement.generated"), statement.generated_at ? formatDateTime(statement.generated_at, tenantTimeZone()) : null))),
    h("div", {class: "actions statement-actions"}, pdfButton, printButton),
    pdfStatus,
    h("dl", {class: "statement-summary"},
      h("div", {}, h("dt", {}, t("statement.opening")), h("dd", {id: "statement-opening"}, money(statement.opening_balance))),
      h("div", {}, h("dt", {}, t("statement.debits")), h("dd", {id: "statement-debits"}, money(statement.totals?.debit))),
      h("div", {}, h("dt", {}, t("statement.credits")), h("dd", {id: "statement-credits"}, money(statement.totals?.credit))),
      h("div", {class: "is-closing"}, h("dt", {}, t("statement.closing")), h("dd", {id: "statement-closing"}, money(statement.closing_balance)))),
    movementsTable(statement, money),
    pendingTable(statement, money));
}

function movementsTable(statement, money) {
  const columns = ["date", "type", "number", "description", "debit", "credit", "balance"]
    .map((key) => t(`statement.columns.${key}`));
  const movements = statement.movements || [];
  const amount = (value) => (value ? money(value) : ""); // a zero side stays blank, as on paper
  const rows = movements.map((movement) => h("tr", {dataset: {movementId: movement.id, type: movement.type}},
    cell(columns[0], formatDate(movement.date)),
    cell(columns[1], MOVEMENT_TYPES.includes(movement.type) ? t(`statement.types.${movement.type}`) : movement.type),
    cell(columns[2], movement.type === "invoice" && movement.id
      ? h("a", {href: invoiceHref(movement.id)}, movement.number)
      : movement.number),
    cell(columns[3], movement.description || ""),
    cell(columns[4], amount(movement.debit), {class: "cell-number"}),
    cell(columns[5], amount(movement.credit), {class: "cell-number"}),
    cell(columns[6], money(movement.balance), {class: "cell-number"})));
  return h("section", {class: "statement-section", "aria-labelledby": "statement-movements-title"},
    h("h3", {id: "statement-movements-title"}, t("statement.movements")),
    h("table", {id: "statement-table", class: "table-cards statement-table"},
      h("caption", {class: "visually-hidden"}, t("statement.movements")),
      h("thead", {}, h("tr", {},
        columns.slice(0, 4).map((label) => columnHead(label)),
        columns.slice(4).map((label) => columnHead(label, {number: true})))),
      h("tbody", {},
        h("tr", {class: "statement-opening-row"},
          cell(columns[0], formatDate(statement.period?.from)),
          h("td", {colspan: "5", class: "statement-row-label"}, t("statement.opening")),
          cell(columns[6], money(statement.opening_balance), {class: "cell-number"})),
        rows.length ? rows : h("tr", {class: "statement-empty-row"},
          h("td", {colspan: "7", class: "muted"}, t("statement.no_movements")))),
      h("tfoot", {},
        h("tr", {class: "statement-totals-row"},
          h("th", {scope: "row", colspan: "4"}, t("statement.totals")),
          cell(columns[4], money(statement.totals?.debit), {class: "cell-number"}),
          cell(columns[5], money(statement.totals?.credit), {class: "cell-number"}),
          h("td", {class: "cell-empty"})),
        h("tr", {class: "statement-closing-row"},
          h("th", {scope: "row", colspan: "6"}, t("statement.closing")),
          cell(columns[6], money(statement.closing_balance), {class: "cell-number"})))));
}

function pendingTable(statement, money) {
  const pending = statement.pending_documents || [];
  const columns = ["number", "issue_date", "due_date", "days_overdue", "total", "balance"]
    .map((key) => t(`statement.pending_columns.${key}`));
  const content = pending.length
    ? h("table", {id: "statement-pending", class: "table-cards statement-pending"},
      h("caption", {class: "visually-hidden"}, t("statement.pending")),
      h("thead", {}, h("tr", {},
        columns.slice(0, 3).map((label) => columnHead(label)),
        columns.slice(3).map((label) => columnHead(label, {number: true})))),
      h("tbody", {}, pending.map((doc) => h("tr", {dataset: {invoiceId: doc.id}, class: doc.days_overdue > 0 ? "is-overdue" : null},
        cell(columns[0], doc.id ? h("a", {href: invoiceHref(doc.id)}, doc.number) : doc.number),
        cell(columns[1], formatDate(doc.issue_date)),
        cell(columns[2], formatDate(doc.due_date)),
        cell(columns[3], doc.days_overdue > 0
          ? h("span", {class: "days-overdue is-overdue"}, h("span", {class: "badge-icon", "aria-hidden": "true"}, "⚠ "),
            tCount("billing.days_overdue", doc.days_overdue))
          : h("span", {class: "muted"}, t("billing.up_to_date")), {class: "cell-number"}),
        cell(columns[4], money(doc.total), {class: "cell-number"}),
        cell(columns[5], money(doc.balance), {class: "cell-number"})))))
    : h("p", {id: "statement-pending", class: "muted"}, t("statement.no_pending"));
  return h("section", {class: "statement-section", "aria-labelledby": "statement-pending-title"},
    h("h3", {id: "statement-pending-title"}, t("statement.pending")),
    content);
}
