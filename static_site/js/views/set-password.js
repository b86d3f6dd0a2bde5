// #/set-password?token=… — the invitation / reset link lands here.

import {api} from "../api.js";
import {h} from "../dom.js";
import {clearErrors, inputField, setFieldError, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {navigate, parseHash} from "../router.js";
import {configuredTenant} from "../settings.js";

const MIN_LENGTH = 10;
const REDIRECT_DELAY_MS = 2500; // long enough to read the confirmation

export function renderSetPassword(page, {params}) {
  const token = params.get("token");
  const card = h("div", {class: "auth-card card"}, h("h1", {tabindex: "-1"}, t("set_password.title")));
  page.append(card);
  const askAgain = h("p", {class: "auth-links"}, h("a", {href: "#/forgot-password"}, t("set_password.ask_again")));
  if (!token) {
    card.append(h("p", {class: "form-error", role: "alert"}, t("set_password.missing_token")), askAgain);
    return;
  }

  const errorRegion = h("div", {id: "set-password-error", class: "form-error", role: "alert"});
  const done = h("div", {id: "set-password-done", class: "notice notice-success", role: "status", tabindex: "-1", hidden: true});
  const submit = h("button", {type: "submit", id: "set-password-submit", class: "button button-block"}, t("set_password.submit"));
  const form = h("form", {id: "set-password-form", novalidate: true},
    h("div", {class: "policy", id: "password-policy"},
      h("p", {}, t("set_password.policy_intro")),
      h("ul", {}, h("li", {}, t("set_password.policy_length", {min: MIN_LENGTH})),
        h("li", {}, t("set_password.policy_email")), h("li", {}, t("set_password.policy_common")))),
    inputField({id: "new-password", field: "password", label: t("set_password.new"), type: "password",
      autocomplete: "new-password", minlength: MIN_LENGTH, required: true}),
    inputField({id: "confirm-password", field: "confirm", label: t("set_password.confirm"), type: "password",
      autocomplete: "new-password", required: true}),
    errorRegion,
    submit);
  // The policy is part of the new password's description, read with the field.
  const newPassword = form.querySelector("#new-password");
  newPassword.setAttribute("aria-describedby", `password-policy ${newPassword.getAttribute("aria-describedby")}`);
  card.append(form, done, askAgain);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    const password = newPassword.value;
    const confirm = form.querySelector("#confirm-password").value;
    if (password.length < MIN_LENGTH) setFieldError(form, "password", t("set_password.too_short", {min: MIN_LENGTH}));
    if (confirm !== password) setFieldError(form, "confirm", t("set_password.mismatch"));
    if (form.querySelector("[aria-invalid]")) {
      errorRegion.textContent = t("errors.fix_fields");
      form.querySelector("[aria-invalid]").focus();
      return;
    }
    try {
      const result = await whileBusy(submit, t("set_password.submitting"), () =>
        api.post("/auth/password/set", {token, password}, {auth: false}));
      const target = loginHash(result);
      form.hidden = true;
      askAgain.hidden = true;
      done.hidden = false;
      done.append(h("p", {}, t("set_password.done")), h("p", {}, h("a", {href: target}, t("set_password.go_login"))));
      done.focus();
      setTimeout(() => {
        if (parseHash().path === "/set-password") navigate(target);
      }, REDIRECT_DELAY_MS);
    } catch (error) {
      showApiError(form, errorRegion, error);
    }
  });
}

// #/login with the email filled in, and the portal too when config.js does not fix one.
function loginHash({email, tenant}) {
  const query = new URLSearchParams();
  if (email) query.set("email", email);
  if (tenant && !configuredTenant()) query.set("tenant", tenant);
  const text = query.toString();
  return text ? `#/login?${text}` : "#/login";
}
