// #/forgot-password — always answers the same way, whether or not the email has access (202).

import {api} from "../api.js";
import {h} from "../dom.js";
import {clearErrors, inputField, requireValues, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {configuredTenant} from "../settings.js";

export function renderForgotPassword(page, {params}) {
  const fixedTenant = configuredTenant();
  const errorRegion = h("div", {id: "forgot-error", class: "form-error", role: "alert"});
  const done = h("div", {id: "forgot-done", class: "notice notice-success", role: "status", tabindex: "-1", hidden: true});
  const submit = h("button", {type: "submit", id: "forgot-submit", class: "button button-block"}, t("forgot.submit"));
  const form = h("form", {id: "forgot-form", novalidate: true},
    fixedTenant ? null : inputField({id: "forgot-tenant", field: "tenant", label: t("login.tenant"),
      hint: t("login.tenant_hint"), value: params.get("tenant") || "", autocapitalize: "none", spellcheck: "false",
      required: true}),
    inputField({id: "forgot-email", field: "email", label: t("login.email"), type: "email",
      value: params.get("email") || "", autocomplete: "username", inputmode: "email", required: true}),
    errorRegion,
    submit);

  page.append(h("div", {class: "auth-card card"},
    h("h1", {tabindex: "-1"}, t("forgot.title")),
    h("p", {class: "lead"}, t("forgot.intro")),
    form,
    done,
    h("p", {class: "auth-links"}, h("a", {href: "#/login"}, t("forgot.back")))));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    const values = {
      tenant: fixedTenant || form.querySelector("#forgot-tenant").value.trim().toLowerCase(),
      email: form.querySelector("#forgot-email").value.trim(),
    };
    if (!requireValues(form, errorRegion, values)) return;
    try {
      await whileBusy(submit, t("forgot.submitting"), () => api.post("/auth/password/forgot", values, {auth: false}));
      form.hidden = true;
      done.hidden = false;
      done.replaceChildren(h("p", {}, t("forgot.done", {email: values.email})));
      done.focus();
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}
