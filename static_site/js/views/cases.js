// #/cases — "Casos": the contact's support cases (filters in the hash query); #/cases/new — a new case with
// knowledge-base suggestions while the subject is typed (deflection); #/cases/:id — the case with its thread,
// a comment form with a file, close with a rating, reopen; #/cases/report — counts, times and charts.

import {api, withQuery} from "../api.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDate, formatDateTime, formatFileSize} from "../format.js";
import {clearErrors, requireValues, setFieldError, showApiError, whileBusy} from "../forms.js";
import {hasText, language, t} from "../i18n.js";
import {navigate, updateHash} from "../router.js";
import {hasAction, hasModule} from "../session.js";
import {attachmentProblem, newIdempotencyKey, uploadFile} from "../uploads.js";
import {cell, columnHead, loadError, openFile, safeHttpUrl, tenantTimeZone} from "./billing.js";

const STATUSES = ["all", "open", "new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"];
const PRIORITIES = ["low", "normal", "high", "urgent"];
const STATUS_ICONS = {new: "✦", assigned: "☺", in_progress: "↻", waiting_customer: "✉", resolved: "✓", closed: "■"};
const SUGGEST_DELAY_MS = 300;

export function canCases(action) {
  return hasAction("cases", action);
}

export function caseStatusBadge(status) {
  return h("span", {class: `badge badge-state badge-case-${status.replaceAll("_", "-")}`, dataset: {status}},
    h("span", {class: "badge-icon", "aria-hidden": "true"}, STATUS_ICONS[status] || "•"), " ", t(`cases.status.${status}`));
}

// The tenant's case categories ({id, labels}), fetched once a page load: the form offers them in order, and
// every page names a category by the tenant's label for the UI's language (Spanish when it has no English one).
let categories = null;
const categoryLabels = new Map();

function caseCategories() {
  categories ??= api.get("/portal/cases/categories").then(({items}) => {
    for (const c of items) if (c.labels) categoryLabels.set(c.id, c.labels);
    return items;
  }, (error) => {
    categories = null;
    throw error;
  });
  return categories;
}

/** `request`'s answer once the labels are loaded too (in parallel); without them a page shows the ids. */
async function withCategories(request) {
  const [answer] = await Promise.all([request, caseCategories().catch(() => null)]);
  return answer;
}

/** A category's words: the tenant's label, else the UI's own for the default ones, else the id itself. */
function categoryText(category) {
  const labels = categoryLabels.get(category);
  if (labels) return labels[language()] || labels["es-CO"];
  return hasText(`cases.category.${category}`) ? t(`cases.category.${category}`) : category;
}

const field = (id, label, control, hint) => h("div", {class: "field"},
  h("label", {for: id}, label), hint ? h("p", {class: "field-hint", id: `${id}-hint`}, hint) : null, control,
  h("p", {class: "field-error", id: `${id}-error`}));

// --- the list ----------------------------------------------------------------------------------------------------

export function renderCases(page, {params}) {
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "all";
  const statusSelect = h("select", {id: "cases-filter", dataset: {field: "status"}},
    STATUSES.map((s) => h("option", {value: s, selected: s === status}, t(`cases.filter.${s}`))));
  const search = h("input", {id: "cases-search", type: "search", dataset: {field: "q"}, value: params.get("q") || "",
    autocomplete: "off"});
  const errorRegion = h("div", {class: "form-error", role: "alert"});
  const form = h("form", {id: "cases-filters", class: "card filters", role: "search", novalidate: true},
    h("div", {class: "filter-row"}, field("cases-filter", t("cases.filter.label"), statusSelect),
      field("cases-search", t("cases.search"), search),
      h("div", {class: "picker-submit"}, h("button", {type: "submit", class: "button"}, t("cases.apply")))),
    errorRegion);
  const results = h("section", {id: "cases-results", class: "card", "aria-live": "polite"}, skeleton(6));
  page.append(h("header", {class: "page-header"}, h("h1", {tabindex: "-1"}, t("cases.title")),
    h("p", {class: "lead"}, t("cases.lead")),
    h("div", {class: "actions"},
      canCases("create") ? h("a", {href: "#/cases/new", class: "button", id: "cases-new"}, t("cases.new")) : null,
      h("a", {href: "#/cases/report", class: "button button-secondary", id: "cases-report-link"}, t("cases.report")))),
  form, results);

  const load = async () => {
    const chosen = {status: statusSelect.value === "all" ? "" : statusSelect.value, q: search.value.trim()};
    clearErrors(form, errorRegion);
    try {
      const data = await withCategories(api.get(withQuery("/portal/cases", {...chosen, limit: 50})));
      showCases(results, data.items || []);
    } catch (error) {
      if (error.status === 422) showApiError(form, errorRegion, error);
      else replace(results, loadError(error, load));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    updateHash(withQuery("#/cases", {status: statusSelect.value === "all" ? "" : statusSelect.value, q: search.value.trim()}));
    load();
  });
  statusSelect.addEventListener("change", () => form.requestSubmit());
  load();
}

function showCases(results, items) {
  if (!items.length) {
    replace(results, h("div", {class: "empty-state", id: "cases-empty"}, h("p", {}, t("cases.empty")),
      canCases("create") ? h("p", {}, h("a", {href: "#/cases/new"}, t("cases.empty_cta"))) : null));
    return;
  }
  const labels = ["number", "subject", "category", "status", "updated"].map((k) => t(`cases.columns.${k}`));
  replace(results, h("table", {id: "cases-table", class: "table-cards"},
    h("caption", {class: "visually-hidden"}, t("cases.title")),
    h("thead", {}, h("tr", {}, labels.map((label) => columnHead(label)))),
    h("tbody", {}, items.map((c) => h("tr", {dataset: {caseId: c.id}},
      cell(labels[0], h("a", {href: `#/cases/${encodeURIComponent(c.id)}`, class: "case-link"}, c.number)),
      cell(labels[1], c.subject),
      cell(labels[2], categoryText(c.category)),
      cell(labels[3], caseStatusBadge(c.status)),
      cell(labels[4], formatDateTime(c.updated_at, tenantTimeZone())))))));
}

// --- a new case ----------------------------------------------------------------------------------------------------

export function renderCaseNew(page) {
  const subject = h("input", {id: "case-subject", dataset: {field: "subject"}, maxlength: "160", autocomplete: "off",
    "aria-describedby": "case-subject-hint case-subject-error"});
  const description = h("textarea", {id: "case-description", dataset: {field: "description"}, rows: "6",
    "aria-describedby": "case-description-error"});
  const category = h("select", {id: "case-category", dataset: {field: "category"}, "aria-busy": "true"});
  caseCategories().then((items) => {
    category.append(...items.map((c) => h("option", {value: c.id}, categoryText(c.id))));
    category.removeAttribute("aria-busy");
  }, (error) => setFieldError(form, "category", error.message));
  const priority = h("select", {id: "case-priority", dataset: {field: "priority"}},
    PRIORITIES.map((p) => h("option", {value: p, selected: p === "normal"}, t(`cases.priority.${p}`))));
  const file = h("input", {id: "case-file", type: "file", dataset: {field: "attachment_ids"},
    accept: ".pdf,.png,.jpg,.jpeg", "aria-describedby": "case-file-hint case-file-error"});
  const suggestions = h("section", {id: "case-suggestions", class: "suggestions", "aria-live": "polite",
    "aria-label": t("cases.suggestions_title")});
  const errorRegion = h("div", {id: "case-error", class: "form-error", role: "alert"});
  const submit = h("button", {type: "submit", id: "case-submit", class: "button"}, t("cases.submit"));
  const form = h("form", {id: "case-form", class: "card", novalidate: true},
    field("case-subject", t("cases.subject"), subject, t("cases.subject_hint")),
    suggestions,
    field("case-description", t("cases.description"), description),
    h("div", {class: "filter-row"}, field("case-category", t("cases.category_label"), category),
      field("case-priority", t("cases.priority_label"), priority)),
    field("case-file", t("cases.file"), file, t("comments.file_hint")),
    errorRegion, h("div", {class: "actions"}, submit));
  page.append(h("header", {class: "page-header"},
    h("p", {class: "breadcrumb"}, h("a", {href: "#/cases"}, t("cases.back"))),
    h("h1", {tabindex: "-1"}, t("cases.new_title"))), form);

  const shown = new Set();
  const key = newIdempotencyKey();
  let timer = null;
  let ticket = 0;
  const suggest = async () => {
    const text = subject.value;
    const mine = ++ticket;
    if (!hasModule("knowledge") || text.trim().length < 3) {
      replace(suggestions);
      return;
    }
    try {
      const found = (await api.get(withQuery("/portal/kb", {q: text}))).items.slice(0, 3);
      if (mine !== ticket) return;
      found.forEach((a) => shown.add(a.id));
      replace(suggestions, found.length ? [h("h2", {class: "card-title"}, t("cases.suggestions_title")),
        h("ul", {class: "suggestion-list"}, found.map((a) => suggestionItem(a, page)))] : []);
    } catch {
      replace(suggestions); // suggestions are a help, never a blocker
    }
  };
  subject.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, SUGGEST_DELAY_MS);
  });
  file.addEventListener("change", () => {
    clearErrors(form, errorRegion);
    const problem = attachmentProblem(file.files[0]);
    if (problem) setFieldError(form, "attachment_ids", problem);
  });
  let uploaded = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    if (!requireValues(form, errorRegion, {subject: subject.value.trim(), description: description.value.trim()})) return;
    try {
      const created = await whileBusy(submit, t("cases.submitting"), async () => {
        const chosen = file.files[0];
        if (chosen && uploaded?.file !== chosen) uploaded = {file: chosen, id: await uploadFile(chosen)};
        return api.post("/portal/cases", {subject: subject.value.trim(), description: description.value.trim(),
          category: category.value, priority: priority.value, attachment_ids: chosen ? [uploaded.id] : [],
          suggested_articles: [...shown].slice(0, 10)}, {headers: {"Idempotency-Key": key}});
      });
      announce(t("cases.created", {number: created.number}));
      navigate(`#/cases/${encodeURIComponent(created.id)}`);
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}

function suggestionItem(article, page) {
  const solved = h("button", {type: "button", class: "button button-secondary button-small"}, t("cases.solved"));
  solved.addEventListener("click", async () => {
    try {
      await api.post(`/portal/kb/${encodeURIComponent(article.id)}/vote`, {helpful: true, deflected: true});
      replace(page, h("div", {class: "card", id: "case-deflected"}, h("h1", {tabindex: "-1"}, t("cases.deflected_title")),
        h("p", {}, t("cases.deflected")), h("a", {href: `#/kb/${encodeURIComponent(article.id)}`}, article.title)));
      page.querySelector("h1").focus();
    } catch (error) {
      solved.replaceWith(h("span", {class: "form-error"}, error.message));
    }
  });
  return h("li", {class: "suggestion", dataset: {articleId: article.id}},
    h("a", {href: `#/kb/${encodeURIComponent(article.id)}`, target: "_blank", rel: "noopener"}, article.title),
    h("p", {class: "muted"}, article.snippet), solved);
}

// --- one case ------------------------------------------------------------------------------------------------------

export function renderCaseDetail(page, {routeParams}) {
  const body = h("div", {id: "case-detail", "aria-busy": "true"}, h("div", {class: "card"}, skeleton(5)));
  page.append(body);
  loadCase(body, routeParams.id);
}

async function loadCase(body, id) {
  let item;
  try {
    item = await withCategories(api.get(`/portal/cases/${encodeURIComponent(id)}`));
  } catch (error) {
    replace(body, h("header", {class: "page-header"}, h("h1", {tabindex: "-1"}, t("cases.title"))),
      error.status === 404 ? h("p", {class: "form-error", role: "alert"}, error.message) : loadError(error, () => loadCase(body, id)));
    body.removeAttribute("aria-busy");
    return;
  }
  body.removeAttribute("aria-busy");
  const focused = !document.activeElement || document.activeElement === document.body || document.activeElement.tagName === "H1";
  replace(body, ...caseView(item, () => loadCase(body, id)));
  if (focused) body.querySelector("h1")?.focus();
}

function files(attachments) {
  if (!attachments?.length) return null;
  return h("ul", {class: "attachments"}, attachments.map((file) => {
    const href = safeHttpUrl(file.url);
    const label = `${file.filename} (${formatFileSize(file.size)})`;
    return h("li", {}, href ? h("a", {href, rel: "noopener", class: "attachment-link"}, label) : label);
  }));
}

function caseView(item, reload) {
  const zone = tenantTimeZone();
  const header = h("header", {class: "page-header"},
    h("p", {class: "breadcrumb"}, h("a", {href: "#/cases"}, t("cases.back"))),
    h("h1", {tabindex: "-1"}, `${item.number} · ${item.subject}`),
    h("p", {id: "case-status"}, caseStatusBadge(item.status)));
  const facts = h("section", {class: "card"},
    h("dl", {class: "invoice-facts"},
      h("div", {}, h("dt", {}, t("cases.category_label")), h("dd", {}, categoryText(item.category))),
      h("div", {}, h("dt", {}, t("cases.priority_label")), h("dd", {}, t(`cases.priority.${item.priority}`))),
      h("div", {}, h("dt", {}, t("cases.opened")), h("dd", {}, formatDateTime(item.created_at, zone))),
      item.assignee ? h("div", {}, h("dt", {}, t("cases.assignee")), h("dd", {}, item.assignee)) : null,
      item.rating ? h("div", {}, h("dt", {}, t("cases.rating")), h("dd", {id: "case-rating"}, "★".repeat(item.rating))) : null),
    h("p", {class: "case-description"}, item.description), files(item.attachments));
  const thread = h("section", {class: "card", "aria-labelledby": "case-thread-title"},
    h("h2", {id: "case-thread-title", class: "card-title"}, t("cases.thread")),
    item.thread.length
      ? h("ol", {id: "case-thread", class: "comment-list"}, item.thread.map((c) => h("li", {class: `comment comment-${c.author.type}`},
        h("p", {class: "comment-meta"}, h("strong", {}, c.author.name), " · ", formatDateTime(c.created_at, zone)),
        h("p", {class: "comment-body"}, c.body), files(c.attachments))))
      : h("p", {class: "muted", id: "case-thread-empty"}, t("cases.thread_empty")));
  const actions = [];
  if (item.status !== "closed" && canCases("comment")) actions.push(commentForm(item, reload), closeForm(item, reload));
  if (item.reopen_until && canCases("comment")) actions.push(reopenForm(item, reload));
  return [header, facts, thread, ...actions];
}

function commentForm(item, reload) {
  const text = h("textarea", {id: "case-comment-body", dataset: {field: "body"}, rows: "4", "aria-describedby": "case-comment-body-error"});
  const file = h("input", {id: "case-comment-file", type: "file", dataset: {field: "attachment_ids"}, accept: ".pdf,.png,.jpg,.jpeg",
    "aria-describedby": "case-comment-file-error"});
  const errorRegion = h("div", {class: "form-error", role: "alert"});
  const submit = h("button", {type: "submit", id: "case-comment-submit", class: "button"}, t("cases.comment_submit"));
  const form = h("form", {id: "case-comment-form", class: "card", novalidate: true},
    h("h2", {class: "card-title"}, t("cases.comment_title")),
    field("case-comment-body", t("comments.body"), text), field("case-comment-file", t("cases.file"), file), errorRegion,
    h("div", {class: "actions"}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    if (!requireValues(form, errorRegion, {body: text.value.trim()})) return;
    const problem = attachmentProblem(file.files[0]);
    if (problem) {
      setFieldError(form, "attachment_ids", problem);
      return;
    }
    try {
      await whileBusy(submit, t("cases.sending"), async () => {
        const ids = file.files[0] ? [await uploadFile(file.files[0])] : [];
        return api.post(`/portal/cases/${encodeURIComponent(item.id)}/comments`, {body: text.value.trim(), attachment_ids: ids});
      });
      announce(t("cases.comment_sent"));
      reload();
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
  return form;
}

function closeForm(item, reload) {
  const rating = h("select", {id: "case-close-rating", dataset: {field: "rating"}},
    h("option", {value: ""}, t("cases.no_rating")), [5, 4, 3, 2, 1].map((n) => h("option", {value: String(n)}, `${"★".repeat(n)} (${n})`)));
  const feedback = h("textarea", {id: "case-close-feedback", dataset: {field: "resolution_feedback"}, rows: "2"});
  const errorRegion = h("div", {class: "form-error", role: "alert"});
  const submit = h("button", {type: "submit", id: "case-close-submit", class: "button button-secondary"}, t("cases.close"));
  const form = h("form", {id: "case-close-form", class: "card", novalidate: true},
    h("h2", {class: "card-title"}, t("cases.close_title")),
    field("case-close-rating", t("cases.rating"), rating), field("case-close-feedback", t("cases.feedback"), feedback),
    errorRegion, h("div", {class: "actions"}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await whileBusy(submit, t("cases.closing"), () => api.post(`/portal/cases/${encodeURIComponent(item.id)}/close`, {
        ...(rating.value ? {rating: Number(rating.value)} : {}),
        ...(feedback.value.trim() ? {resolution_feedback: feedback.value.trim()} : {})}));
      announce(t("cases.closed_notice"));
      reload();
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
  return form;
}

function reopenForm(item, reload) {
  const errorRegion = h("div", {class: "form-error", role: "alert"});
  const submit = h("button", {type: "submit", id: "case-reopen", class: "button"}, t("cases.reopen"));
  const form = h("form", {id: "case-reopen-form", class: "card", novalidate: true},
    h("p", {}, t("cases.reopen_until", {date: formatDateTime(item.reopen_until, tenantTimeZone())})), errorRegion,
    h("div", {class: "actions"}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await whileBusy(submit, t("cases.reopening"), () => api.post(`/portal/cases/${encodeURIComponent(item.id)}/reopen`));
      reload();
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
  return form;
}

// --- the report ----------------------------------------------------------------------------------------------------

export function renderCaseReport(page, {params}) {
  const from = h("input", {id: "report-from", type: "date", dataset: {field: "from"}, value: params.get("from") || ""});
  const to = h("input", {id: "report-to", type: "date", dataset: {field: "to"}, value: params.get("to") || ""});
  const errorRegion = h("div", {class: "form-error", role: "alert"});
  const form = h("form", {id: "report-filters", class: "card filters", novalidate: true},
    h("div", {class: "filter-row"}, field("report-from", t("cases.report_from"), from), field("report-to", t("cases.report_to"), to),
      h("div", {class: "picker-submit"}, h("button", {type: "submit", class: "button"}, t("cases.apply")))), errorRegion);
  const csvStatus = h("p", {id: "report-csv-status", "aria-live": "polite"});
  const csv = h("button", {type: "button", id: "report-csv", class: "button button-secondary"}, t("cases.csv"));
  const pdf = h("button", {type: "button", id: "report-pdf", class: "button button-secondary"}, t("cases.pdf"));
  const results = h("div", {id: "report-results", "aria-live": "polite"}, h("div", {class: "card"}, skeleton(6)));
  page.append(h("header", {class: "page-header"},
    h("p", {class: "breadcrumb"}, h("a", {href: "#/cases"}, t("cases.back"))),
    h("h1", {tabindex: "-1"}, t("cases.report_title"))), form, h("div", {class: "actions"}, csv, pdf), csvStatus, results);
  const period = () => ({from: from.value, to: to.value});
  const load = async () => {
    clearErrors(form, errorRegion);
    try {
      replace(results, reportView(await withCategories(api.get(withQuery("/portal/cases/report", period())))));
    } catch (error) {
      if (error.status === 422) showApiError(form, errorRegion, error);
      else replace(results, loadError(error, load));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    updateHash(withQuery("#/cases/report", period()));
    load();
  });
  const download = (button, kind) => button.addEventListener("click", async () => {
    try {
      const file = await whileBusy(button, t("cases.preparing"), () => api.get(withQuery(`/portal/cases/report/${kind}`, period())));
      openFile(file.url, csvStatus, {linkId: `report-${kind}-link`, linkText: file.filename});
    } catch (error) {
      csvStatus.textContent = error.message;
    }
  });
  download(csv, "csv");
  download(pdf, "pdf");
  load();
}

function hours(value) {
  return value === null || value === undefined ? "—" : t("cases.hours", {hours: value});
}

function reportView(report) {
  const figure = (id, label, value) => h("div", {class: "card summary-card", id},
    h("h2", {class: "card-title"}, label), h("p", {class: "figure-value card-figure"}, String(value)));
  const months = report.by_month;
  const top = Math.max(1, ...months.map((m) => Math.max(m.opened, m.closed)));
  const barWidth = 24;
  const chartWidth = months.length * (barWidth * 2 + 12);
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${chartWidth} 140`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", "report-chart-title");
  svg.setAttribute("class", "report-chart");
  months.forEach((m, i) => {
    [[m.opened, "opened"], [m.closed, "closed"]].forEach(([value, kind], j) => {
      const height = Math.round((value / top) * 110);
      const rect = document.createElementNS(svgNs, "rect");
      rect.setAttribute("x", String(i * (barWidth * 2 + 12) + j * barWidth));
      rect.setAttribute("y", String(115 - height));
      rect.setAttribute("width", String(barWidth - 2));
      rect.setAttribute("height", String(height));
      rect.setAttribute("class", `bar bar-${kind}`);
      const title = document.createElementNS(svgNs, "title");
      title.textContent = `${m.month}: ${t(`cases.chart_${kind}`)} ${value}`;
      rect.append(title);
      svg.append(rect);
    });
    const label = document.createElementNS(svgNs, "text");
    label.setAttribute("x", String(i * (barWidth * 2 + 12)));
    label.setAttribute("y", "135");
    label.setAttribute("class", "bar-label");
    label.textContent = m.month.slice(5);
    svg.append(label);
  });
  const table = (id, rows) => h("table", {id, class: "table-cards"},
    h("tbody", {}, rows.map(([label, value]) => h("tr", {}, h("th", {scope: "row"}, label), h("td", {}, String(value))))));
  return [
    h("section", {class: "dashboard-cards"},
      figure("report-total", t("cases.report_total"), report.total),
      figure("report-open", t("cases.report_open"), report.open),
      figure("report-closed", t("cases.report_closed"), report.closed),
      figure("report-rating", t("cases.rating"), report.rating.average ?? "—")),
    h("section", {class: "card"}, h("h2", {class: "card-title", id: "report-chart-title"}, t("cases.chart_title")),
      h("p", {class: "muted"}, h("span", {class: "legend legend-opened"}, "■ ", t("cases.chart_opened")), " ",
        h("span", {class: "legend legend-closed"}, "■ ", t("cases.chart_closed"))), svg),
    h("section", {class: "card"}, h("h2", {class: "card-title"}, t("cases.report_times")),
      table("report-times", [[t("cases.first_response_avg"), hours(report.first_response.average_hours)],
        [t("cases.first_response_median"), hours(report.first_response.median_hours)],
        [t("cases.resolution_avg"), hours(report.resolution.average_hours)],
        [t("cases.resolution_median"), hours(report.resolution.median_hours)],
        [t("cases.oldest_open"), report.oldest_open
          ? `${report.oldest_open.number} · ${t("cases.days_old", {days: report.oldest_open.age_days})}` : "—"]])),
    h("section", {class: "card"}, h("h2", {class: "card-title"}, t("cases.by_status")),
      table("report-by-status", Object.entries(report.by_status).map(([s, n]) => [t(`cases.status.${s}`), n]))),
    h("section", {class: "card"}, h("h2", {class: "card-title"}, t("cases.by_category")),
      table("report-by-category", Object.entries(report.by_category).map(([c, n]) => [categoryText(c), n]))),
    h("p", {class: "muted"}, t("cases.report_period", {from: formatDate(report.period.from), to: formatDate(report.period.to)})),
  ];
}

// --- the dashboard card --------------------------------------------------------------------------------------------

export function casesCards(card) {
  return [h("section", {class: "card summary-card", id: "card-cases", "aria-labelledby": "card-cases-title"},
    h("h2", {class: "card-title", id: "card-cases-title"}, t("cases.card_title")),
    h("p", {class: "figure-value card-figure", id: "card-cases-open"}, String(card.open)),
    h("p", {class: "muted"}, t("cases.card_open")),
    card.waiting_customer ? h("p", {id: "card-cases-waiting"}, t("cases.card_waiting", {count: card.waiting_customer})) : null,
    h("a", {class: "card-link", href: "#/cases", id: "card-cases-link"}, t("cases.card_link")))];
}
