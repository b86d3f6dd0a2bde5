// #/attachment/:token — what a mailed attachment link opens. Mail never carries a presigned S3 URL; this page
// asks the API for a fresh 15-minute download when the reader clicks, then starts it.

import {api} from "../api.js";
import {h} from "../dom.js";
import {showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";

export function renderAttachmentLink(page, {routeParams}) {
  const errorRegion = h("div", {id: "attachment-error", class: "form-error", role: "alert"});
  const open = h("button", {type: "submit", id: "attachment-open", class: "button button-block"},
    t("attachment.open"));
  const form = h("form", {id: "attachment-form", novalidate: true}, errorRegion, open);
  page.append(h("div", {class: "auth-card card"},
    h("h1", {tabindex: "-1"}, t("attachment.title")),
    h("p", {class: "lead"}, t("attachment.intro")),
    form));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const link = await whileBusy(open, t("attachment.opening"),
        () => api.get(`/attachment-links/${encodeURIComponent(routeParams.token)}`, {auth: false}));
      window.location.assign(link.url);
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}
