// #/statement — "Estado de cuenta": the last 12 months by default (the current month and the 11 before it, up to
// today; docs/decisions.md says why), or one month, one year or two dates the contact picks, in one of the
// account's currencies; the account's header, opening balance, movements with running balance, totals,
// closing balance and the documents still open at the period's end. The chosen period lives in the hash
// query (#/statement?year=2026&period=11, ?year=2026, ?from=…&to=…; none: the last 12 months) so a reload
// or a shared link shows the same statement.

import {api, withQuery} from "../api.js";
import {announce, emailText, h, replace, skeleton} from "../dom.js";
import {daysBetween, formatDate, formatDateTime, monthName} from "../format.js";
import {clearErrors, setFieldError, showApiError, whileBusy} from "../forms.js";
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
const MODES = ["last12", "month", "year", "range"];
const MAX_DAYS = 366; // the longest from/to statement the API gives (both days included)

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

/** What a query asks for: two dates ("range"), a month, a year, or nothing, the last 12 months. */
function modeOf(query) {
  if (query.from || query.to) return "range";
  if (query.year) return query.period ? "month" : "year";
  return "last12";
}

/** lastTwelveMonths("2026-11-05") → {from: "2025-12-01", to: "2026-11-05"}: this month and the 11 before it. */
export function lastTwelveMonths(today) {
  const [year, month] = today.split("-").map(Number);
  return {from: new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10), to: today};
}

/** The API's query for a hash query: the last 12 months are spelled out as dates. */
function apiQuery(query, today) {
  return modeOf(query) === "last12" ? {...lastTwelveMonths(today), currency: query.currency} : query;
}

export function renderStatement(page, {params}) {
  let query = queryFrom(params);
  const today = tenantToday();
  const thisYear = Number(today.slice(0, 4));

  const control = (tag, id, name, attrs = {}, ...children) => h(tag, {id, name, dataset: {field: name},
    "aria-describedby": `${id}-error`, ...attrs}, ...children);
  const modeSelect = control("select", "statement-mode", "mode", {},
    MODES.map((mode) => h("option", {value: mode}, t(`statement.modes.${mode}`))));
  const years = new Set(Array.from({length: YEARS_BACK}, (_, i) => String(thisYear - i)));
  if (/^\d{4}$/.test(query.year || "")) years.add(query.year);
  const yearSelect = control("select", "statement-year", "year", {},
    [...years].sort().reverse().map((year) => h("option", {value: year}, year)));
  const periodSelect = control("select", "statement-period", "period", {},
    Array.from({length: 12}, (_, i) => h("option", {value: String(i + 1).padStart(2, "0")}, monthName(i + 1))));
  const fromInput = control("input", "statement-from", "from", {type: "date", max: today});
  const toInput = control("input", "statement-to", "to", {type: "date", max: today});
  // The account's currencies come with each statement; until the first one arrives, the one asked for.
  const currencySelect = control("select", "statement-currency", "currency");
  const setCurrencies = (currencies, chosen) => {
    replace(currencySelect, currencies.map((code) => h("option", {value: code}, code)));
    currencySelect.value = chosen;
  };
  // The account's own currency (the API's default) stays out of the hash: #/statement?year=2026 reads in it.
  const homeCurrency = currentUser()?.account?.currency || currentUser()?.tenant?.currency || "COP";
  setCurrencies([query.currency || homeCurrency], query.currency || homeCurrency);

  const field = (id, label, input) => h("div", {class: "field"},
    h("label", {for: id}, label), input, h("p", {class: "field-error", id: `${id}-error`}));
  const fields = {
    year: field("statement-year", t("statement.year"), yearSelect),
    period: field("statement-period", t("statement.month"), periodSelect),
    from: field("statement-from", t("statement.from"), fromInput),
    to: field("statement-to", t("statement.to"), toInput),
  };
  const showFields = () => {
    const mode = modeSelect.value;
    fields.year.hidden = mode !== "month" && mode !== "year";
    fields.period.hidden = mode !== "month";
    fields.from.hidden = fields.to.hidden = mode !== "range";
  };
  const show = h("button", {type: "submit", id: "statement-show", class: "button"}, t("statement.show"));
  const errorRegion = h("div", {id: "statement-error", class: "form-error", role: "alert"});
  const form = h("form", {id: "statement-form", class: "card statement-controls", novalidate: true,
    "aria-label": t("statement.pickers_label")},
  h("div", {class: "picker-row"},
    field("statement-mode", t("statement.period"), modeSelect),
    fields.year, fields.period, fields.from, fields.to,
    field("statement-currency", t("statement.currency"), currencySelect),
    h("div", {class: "picker-submit"}, show)),
  errorRegion);

  const body = h("div", {id: "statement-body", class: "statement-body"});
  page.append(
    h("header", {class: "page-header no-print"},
      h("h1", {tabindex: "-1"}, t("statement.title")),
      h("p", {class: "lead"}, t("statement.lead"))),
    form,
    body);

  // The pickers say what the hash asks for; the dates start from the last 12 months.
  const setPickers = () => {
    const mode = modeOf(query);
    modeSelect.value = mode;
    if (query.year) {
      if (![...yearSelect.options].some((option) => option.value === query.year)) {
        yearSelect.append(h("option", {value: query.year}, query.year));
      }
      yearSelect.value = query.year;
    } else {
      yearSelect.value = String(thisYear);
    }
    periodSelect.value = query.period || today.slice(5, 7);
    const dates = mode === "range" ? query : lastTwelveMonths(today);
    fromInput.value = dates.from || "";
    toInput.value = dates.to || "";
    showFields();
  };
  setPickers();
  modeSelect.addEventListener("change", showFields);

  let ticket = 0;
  const load = async ({announceIt = false} = {}) => {
    const mine = ++ticket;
    const asked = apiQuery(query, today);
    body.setAttribute("aria-busy", "true");
    replace(body, h("div", {class: "card"}, skeleton(3)), h("div", {class: "card"}, skeleton(8)));
    try {
      const statement = await api.get(withQuery("/portal/statement", asked));
      if (mine !== ticket) return;
      setCurrencies(statement.currencies || [statement.currency], statement.currency);
      const mode = modeOf(query);
      replace(body, statementView(statement, asked, mode));
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
    clearErrors(form, errorRegion);
    const chosen = chosenQuery({mode: modeSelect.value, year: yearSelect.value, period: periodSelect.value,
      from: fromInput.value, to: toInput.value, currency: currencySelect.value, homeCurrency, today});
    if (chosen.problems) {
      for (const [name, message] of Object.entries(chosen.problems)) setFieldError(form, name, message);
      errorRegion.textContent = t("errors.fix_fields");
      form.querySelector("[aria-invalid]")?.focus();
      return;
    }
    query = chosen.query;
    updateHash(withQuery("#/statement", query));
    await whileBusy(show, t("statement.loading"), () => load({announceIt: true}));
  });

  load();
}

/**
 * The hash query for what the pickers say, or {problems: {field: message}} when two dates cannot make a
 * statement (missing, reversed, after today, longer than the API gives).
 */
function chosenQuery({mode, year, period, from, to, currency, homeCurrency, today}) {
  const picked = {
    last12: {},
    month: {year, period},
    year: {year},
    range: {from, to},
  }[mode] || {};
  if (mode === "range") {
    const problems = {};
    if (!from) problems.from = t("errors.required");
    else if (from > today) problems.from = t("statement.range_future");
    if (!to) problems.to = t("errors.required");
    else if (from && to < from) problems.to = t("statement.range_order");
    else if (from && daysBetween(from, to) + 1 > MAX_DAYS) problems.to = t("statement.range_too_long", {days: MAX_DAYS});
    if (Object.keys(problems).length) return {problems};
  }
  return {query: {...picked, currency: currency && currency !== homeCurrency ? currency : undefined}};
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

/** "Últimos 12 meses", "Noviembre 2026", "Año 2026" or "1 nov 2026 – 15 nov 2026". */
function periodText(period, mode) {
  if (mode === "last12") return t("statement.modes.last12");
  const pickers = pickersFor(period);
  if (pickers?.period) return `${monthName(Number(pickers.period))} ${pickers.year}`;
  if (pickers) return t("statement.year_label", {year: pickers.year});
  return `${formatDate(period?.from)} – ${formatDate(period?.to)}`;
}

const MOVEMENT_TYPES = ["invoice", "credit_note", "debit_note", "receipt", "portal_payment"];

function statementView(statement, query, mode) {
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
          t("statement.heading", {period: periodText(statement.period, mode)})),
        h("p", {class: "statement-account-name"}, account.name),
        h("dl", {class: "statement-facts"},
          row(t("statement.tax_id"), taxIdText(account)),
          row(t("statement.address"), [account.address, account.city].filter(Boolean).join(", ")),
          row(t("statement.email"), account.email ? h("span", {class: "email"}, emailText(account.email)) : null),
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
