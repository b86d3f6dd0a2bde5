// #/invoices/{id} — one invoice: header, lines, what paid it (receipts, credit notes), its PDF and the
// comment thread with the contact's own comments and payment proofs (upload straight to S3, then post).

import {api, ApiError} from "../api.js";
import {currentTenant} from "../branding.js";
import {h, replace, skeleton} from "../dom.js";
import {formatDate, formatDateTime, formatFileSize} from "../format.js";
import {clearErrors, requireValues, setFieldError, showApiError, whileBusy} from "../forms.js";
import {intlLocale, t} from "../i18n.js";
import {money as moneyOf} from "../money.js";
import {attachmentProblem, newIdempotencyKey, uploadFile} from "../uploads.js";
import {
  canBilling, cell, columnHead, daysOverdueText, loadError, openFile, safeHttpUrl, stateBadge, stateBadges,
  tenantTimeZone, tenantToday,
} from "./billing.js";

const ALLOCATION_TYPES = ["receipt", "credit_note", "debit_note", "portal_payment"];

export function renderInvoiceDetail(page, {routeParams}) {
  const id = routeParams.id;
  const body = h("div", {id: "invoice-detail", class: "invoice-detail", "aria-busy": "true"},
    h("header", {class: "page-header"},
      h("p", {class: "breadcrumb"}, h("a", {href: "#/invoices"}, t("invoice.back"))),
      h("h1", {tabindex: "-1"}, t("invoice.heading", {number: id}))),
    h("div", {class: "card"}, skeleton(5)),
    h("div", {class: "card"}, skeleton(4)));
  page.append(body);
  load(body, id);
}

async function load(body, id) {
  body.setAttribute("aria-busy", "true");
  let invoice;
  try {
    invoice = await api.get(`/portal/invoices/${encodeURIComponent(id)}`);
  } catch (error) {
    body.removeAttribute("aria-busy");
    const heading = body.querySelector("h1");
    if (error.status === 404) {
      replace(body, body.firstElementChild, h("div", {class: "card"},
        h("p", {class: "form-error", role: "alert"}, error.message),
        h("p", {}, t("invoice.not_found"))));
    } else {
      replace(body, body.firstElementChild, loadError(error, () => {
        replace(body, body.firstElementChild, h("div", {class: "card"}, skeleton(5)));
        load(body, id);
      }));
    }
    heading?.focus();
    return;
  }
  body.removeAttribute("aria-busy");
  const focused = document.activeElement === body.querySelector("h1");
  replace(body, ...invoiceView(invoice));
  if (focused) body.querySelector("h1")?.focus(); // the route's focus stays on the (re-drawn) heading
}

function invoiceView(invoice) {
  const today = tenantToday();
  const money = (amount) => moneyOf(amount || 0, invoice.currency);
  const badges = h("div", {id: "invoice-state", class: "invoice-state"}, stateBadges(invoice, today));
  const row = (label, value, id) => (value === null || value === undefined || value === ""
    ? null
    : h("div", {}, h("dt", {}, label), h("dd", {id}, value)));
  const hasTax = invoice.tax !== null && invoice.tax !== undefined;
  const overdue = invoice.status !== "paid" && invoice.days_overdue > 0;

  const header = h("header", {class: "page-header invoice-header"},
    h("p", {class: "breadcrumb"}, h("a", {href: "#/invoices"}, t("invoice.back"))),
    h("h1", {tabindex: "-1"}, t("invoice.heading", {number: invoice.number})),
    badges,
    invoice.description ? h("p", {class: "lead"}, invoice.description) : null);

  const summary = h("section", {class: "card", "aria-labelledby": "invoice-summary-title"},
    h("h2", {id: "invoice-summary-title", class: "card-title"}, t("invoice.summary")),
    h("dl", {class: "invoice-facts"},
      row(t("invoice.number"), invoice.number, "invoice-number"),
      row(t("invoice.issue_date"), formatDate(invoice.issue_date), "invoice-issue-date"),
      row(t("invoice.due_date"), formatDate(invoice.due_date), "invoice-due-date"),
      overdue ? row(t("invoice.days_overdue"), daysOverdueText(invoice, today), "invoice-days-overdue") : null,
      row(t("invoice.salesperson"), invoice.salesperson?.name, "invoice-salesperson")),
    h("dl", {class: "invoice-facts invoice-amounts"},
      hasTax ? row(t("invoice.subtotal"), money(invoice.total - invoice.tax), "invoice-subtotal") : null,
      hasTax ? row(t("invoice.tax"), money(invoice.tax), "invoice-tax") : null,
      row(t("invoice.total"), money(invoice.total), "invoice-total"),
      row(t("invoice.balance"), h("strong", {}, money(invoice.balance)), "invoice-balance")),
    pdfActions(invoice));

  const comments = commentsSection(invoice, () => {
    invoice.proof_received = true; // a payment proof was posted: say so at the top too
    replace(badges, stateBadges(invoice, today));
  });
  return [header, summary, linesSection(invoice, money), allocationsSection(invoice, money), comments];
}

function pdfActions(invoice) {
  if (!canBilling("download")) return null;
  const status = h("p", {id: "invoice-pdf-status", class: "file-status", "aria-live": "polite"});
  const button = h("button", {type: "button", id: "invoice-pdf", class: "button"}, t("invoice.pdf"));
  button.addEventListener("click", async () => {
    status.textContent = "";
    status.classList.remove("form-error");
    try {
      const file = await whileBusy(button, t("invoice.pdf_preparing"),
        () => api.get(`/portal/invoices/${encodeURIComponent(invoice.id)}/pdf`));
      const tenant = currentTenant()?.name || t("invoice.your_supplier");
      openFile(file.url, status, {
        linkId: "invoice-pdf-link",
        linkText: file.filename || t("invoice.pdf_link"),
        note: file.representation ? h("span", {id: "invoice-pdf-representation", class: "representation-note"},
          t("invoice.representation", {tenant})) : null,
      });
    } catch (error) {
      status.classList.add("form-error");
      status.textContent = error.message;
    }
  });
  return h("div", {class: "invoice-pdf"},
    h("div", {class: "actions"}, button),
    invoice.has_pdf === false ? h("p", {class: "muted field-hint"}, t("invoice.pdf_generated_hint")) : null,
    status);
}

function linesSection(invoice, money) {
  const lines = invoice.lines || [];
  const columns = ["description", "quantity", "unit_price", "total"].map((key) => t(`invoice.lines_columns.${key}`));
  const quantity = (value) => (value === undefined || value === null ? "" : new Intl.NumberFormat(intlLocale()).format(value));
  return h("section", {class: "card", "aria-labelledby": "invoice-lines-title"},
    h("h2", {id: "invoice-lines-title", class: "card-title"}, t("invoice.lines")),
    lines.length
      ? h("table", {id: "invoice-lines", class: "table-cards invoice-lines"},
        h("caption", {class: "visually-hidden"}, t("invoice.lines")),
        h("thead", {}, h("tr", {}, columnHead(columns[0]), columns.slice(1).map((label) => columnHead(label, {number: true})))),
        h("tbody", {}, lines.map((line) => h("tr", {},
          cell(columns[0], line.description || line.name || ""),
          cell(columns[1], quantity(line.quantity), {class: "cell-number"}),
          cell(columns[2], line.unit_price === undefined ? "" : money(line.unit_price), {class: "cell-number"}),
          cell(columns[3], money(line.total ?? line.amount), {class: "cell-number"})))))
      : h("p", {class: "muted"}, t("invoice.no_lines")));
}

function allocationsSection(invoice, money) {
  const allocations = invoice.allocations || [];
  const columns = ["type", "number", "date", "amount"].map((key) => t(`invoice.allocations_columns.${key}`));
  return h("section", {class: "card", "aria-labelledby": "invoice-allocations-title"},
    h("h2", {id: "invoice-allocations-title", class: "card-title"}, t("invoice.allocations")),
    allocations.length
      ? h("table", {id: "invoice-allocations", class: "table-cards invoice-allocations"},
        h("caption", {class: "visually-hidden"}, t("invoice.allocations")),
        h("thead", {}, h("tr", {}, columns.slice(0, 3).map((label) => columnHead(label)), columnHead(columns[3], {number: true}))),
        h("tbody", {}, allocations.map((allocation) => h("tr", {dataset: {documentId: allocation.id}},
          cell(columns[0], ALLOCATION_TYPES.includes(allocation.type) ? t(`statement.types.${allocation.type}`) : allocation.type),
          cell(columns[1], allocation.number),
          cell(columns[2], formatDate(allocation.date)),
          cell(columns[3], money(allocation.amount), {class: "cell-number"})))))
      : h("p", {class: "muted", id: "invoice-allocations"}, t("invoice.no_allocations")));
}

// ---------- Comments ----------

function commentItem(comment) {
  const staff = comment.author?.type === "staff";
  const tenant = currentTenant()?.name || t("invoice.your_supplier");
  return h("li", {class: `comment ${staff ? "comment-staff" : "comment-contact"}`, dataset: {commentId: comment.id}},
    h("div", {class: "comment-meta"},
      h("strong", {class: "comment-author"}, comment.author?.name || ""),
      h("span", {class: "comment-author-type"}, staff ? t("comments.author_staff", {tenant}) : t("comments.author_contact")),
      comment.created_at ? h("time", {datetime: comment.created_at, class: "muted"},
        formatDateTime(comment.created_at, tenantTimeZone())) : null),
    comment.payment_proof ? h("p", {class: "comment-proof"}, stateBadge("proof_received", t("comments.proof_marker"))) : null,
    comment.body ? h("p", {class: "comment-body"}, comment.body) : null,
    comment.attachments?.length ? h("ul", {class: "attachments", "aria-label": t("comments.attachments")},
      comment.attachments.map((file) => {
        const href = safeHttpUrl(file.url);
        const label = [file.filename, file.size ? `(${formatFileSize(file.size)})` : null].filter(Boolean).join(" ");
        return h("li", {},
          h("span", {class: "attachment-icon", "aria-hidden": "true"}, "↓ "),
          href
            ? h("a", {href, target: "_blank", rel: "noopener noreferrer", class: "attachment-link",
              "aria-label": t("comments.download_attachment", {name: file.filename || ""})}, label)
            : label);
      })) : null);
}

function commentsSection(invoice, onProof) {
  const list = h("ol", {id: "comments-list", class: "comments-list"}, (invoice.comments || []).map(commentItem));
  const empty = h("p", {class: "muted", id: "comments-empty"}, t("comments.empty"));
  empty.hidden = list.children.length > 0;
  return h("section", {class: "card comments", id: "comments", "aria-labelledby": "comments-title"},
    h("h2", {id: "comments-title", class: "card-title"}, t("comments.title")),
    h("p", {class: "muted"}, t("comments.intro")),
    list,
    empty,
    canBilling("comment") ? commentForm(invoice, list, empty, onProof) : null);
}

function commentForm(invoice, list, empty, onProof) {
  const textarea = h("textarea", {id: "comment-body", name: "body", dataset: {field: "body"}, rows: "4", required: true,
    "aria-describedby": "comment-body-error"});
  const fileInput = h("input", {id: "comment-file", name: "file", type: "file", dataset: {field: "attachment_ids"},
    accept: ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
    "aria-describedby": "comment-file-hint comment-file-error"});
  const proof = h("input", {id: "comment-proof", name: "payment_proof", type: "checkbox", dataset: {field: "payment_proof"},
    "aria-describedby": "comment-proof-hint"});
  const errorRegion = h("div", {id: "comment-error", class: "form-error", role: "alert"});
  const status = h("p", {id: "comment-status", class: "comment-status", "aria-live": "polite", role: "status"});
  const submit = h("button", {type: "submit", id: "comment-submit", class: "button"}, t("comments.submit"));
  const form = h("form", {id: "comment-form", class: "comment-form", novalidate: true, "aria-labelledby": "comment-form-title"},
    h("h3", {id: "comment-form-title"}, t("comments.form_title")),
    h("div", {class: "field"},
      h("label", {for: "comment-body"}, t("comments.body")),
      textarea,
      h("p", {class: "field-error", id: "comment-body-error"})),
    h("div", {class: "field"},
      h("label", {for: "comment-file"}, t("comments.file")),
      h("p", {class: "field-hint", id: "comment-file-hint"}, t("comments.file_hint")),
      fileInput,
      h("p", {class: "field-error", id: "comment-file-error"})),
    h("div", {class: "field checkbox-field"},
      proof,
      h("label", {for: "comment-proof"}, t("comments.proof")),
      h("p", {class: "field-hint", id: "comment-proof-hint"}, t("comments.proof_hint"))),
    errorRegion,
    h("div", {class: "actions"}, submit),
    status);

  const checkFile = () => {
    const problem = attachmentProblem(fileInput.files[0]);
    if (problem) setFieldError(form, "attachment_ids", problem);
    return !problem;
  };
  fileInput.addEventListener("change", () => {
    clearErrors(form, errorRegion);
    status.textContent = "";
    status.classList.remove("is-success");
    if (!checkFile()) fileInput.focus();
  });

  // A file uploaded by an attempt whose comment then failed is reused by the next attempt (an upload
  // is only used once the comment is posted).
  let uploaded = null; // {file, upload_id}

  const upload = async (file) => {
    if (uploaded?.file === file) return uploaded.upload_id;
    const uploadId = await uploadFile(file);
    uploaded = {file, upload_id: uploadId};
    return uploadId;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    status.textContent = "";
    status.classList.remove("is-success");
    const text = textarea.value.trim();
    if (!requireValues(form, errorRegion, {body: text})) return;
    if (!checkFile()) {
      errorRegion.textContent = t("errors.fix_fields");
      fileInput.focus();
      return;
    }
    const file = fileInput.files[0] || null;
    const paymentProof = proof.checked;
    await whileBusy(submit, t("comments.submitting"), async () => {
      try {
        if (file) status.textContent = t("comments.uploading", {name: file.name});
        const attachmentIds = file ? [await upload(file)] : [];
        status.textContent = t("comments.posting");
        const comment = await api.post(`/portal/invoices/${encodeURIComponent(invoice.id)}/comments`,
          {body: text, attachment_ids: attachmentIds, payment_proof: paymentProof},
          {headers: {"Idempotency-Key": newIdempotencyKey()}});
        uploaded = null;
        list.append(commentItem(comment));
        empty.hidden = true;
        form.reset();
        if (comment.payment_proof) onProof();
        status.classList.add("is-success");
        status.textContent = invoice.salesperson?.name
          ? t("comments.posted_to", {name: invoice.salesperson.name})
          : t("comments.posted");
      } catch (error) {
        status.textContent = "";
        if (error instanceof ApiError && error.fields.attachment_ids) uploaded = null; // that upload is not usable
        showApiError(form, errorRegion, error);
      }
    });
  });
  return form;
}
