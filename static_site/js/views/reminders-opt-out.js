// #/reminders/opt-out?token=… — what a payment reminder's "stop reminders" link opens. Opening it changes
// nothing (mail scanners and link previews open links too); the contact confirms with the button, which POSTs
// the token to /reminders/opt-out. No session needed: the token names the contact.

import {api} from "../api.js";
import {h} from "../dom.js";
import {showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";

export function renderRemindersOptOut(page, {params}) {
  const token = params.get("token");
  const card = h("div", {class: "auth-card card", id: "reminders-opt-out"},
    h("h1", {tabindex: "-1"}, t("reminders_opt_out.title")));
  page.append(card);
  if (!token) {
    card.append(h("p", {class: "form-error", role: "alert"}, t("reminders_opt_out.missing_token")));
    return;
  }

  const errorRegion = h("div", {id: "reminders-opt-out-error", class: "form-error", role: "alert"});
  const done = h("div", {id: "reminders-opt-out-done", class: "notice notice-success", role: "status", tabindex: "-1",
    hidden: true});
  const confirm = h("button", {type: "submit", id: "reminders-opt-out-confirm", class: "button button-block"},
    t("reminders_opt_out.confirm"));
  const form = h("form", {id: "reminders-opt-out-form", novalidate: true}, errorRegion, confirm);
  card.append(h("p", {class: "lead"}, t("reminders_opt_out.intro")), form, done,
    h("p", {class: "auth-links"}, h("a", {href: "#/profile"}, t("reminders_opt_out.profile_link"))));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await whileBusy(confirm, t("reminders_opt_out.confirming"),
        () => api.post("/reminders/opt-out", {token}, {auth: false}));
      form.hidden = true;
      done.hidden = false;
      done.replaceChildren(h("p", {}, t("reminders_opt_out.done", {tenant: result.tenant.name})),
        h("p", {}, t("reminders_opt_out.done_hint")));
      done.focus();
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}
