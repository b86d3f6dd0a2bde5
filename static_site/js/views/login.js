// #/login — email and password (plus the portal's slug when config.js names none).

import {api} from "../api.js";
import {takeNotice} from "../auth.js";
import {currentTenant, loadTenant, setTenant} from "../branding.js";
import {h} from "../dom.js";
import {clearErrors, inputField, requireValues, setFieldError, showApiError, whileBusy} from "../forms.js";
import {t} from "../i18n.js";
import {isSafeNext, navigate} from "../router.js";
import {currentUser, sessionToken, startSession} from "../session.js";
import {configuredTenant} from "../settings.js";

export function renderLogin(page, {params}) {
  const next = isSafeNext(params.get("next")) ? params.get("next") : "#/";
  if (sessionToken() && currentUser()) {
    navigate(next); // already signed in
    return;
  }

  const fixedTenant = configuredTenant();
  const notice = takeNotice();
  const errorRegion = h("div", {id: "login-error", class: "form-error", role: "alert"});
  const subtitle = h("p", {class: "lead"});
  const showTenantName = (tenant) => {
    subtitle.textContent = tenant?.name ? t("login.subtitle_tenant", {tenant: tenant.name}) : t("login.subtitle");
  };
  showTenantName(currentTenant());

  const submit = h("button", {type: "submit", id: "login-submit", class: "button button-block"}, t("login.submit"));
  const form = h("form", {id: "login-form", novalidate: true},
    fixedTenant ? null : inputField({
      id: "login-tenant", field: "tenant", label: t("login.tenant"), hint: t("login.tenant_hint"),
      value: params.get("tenant") || "", autocapitalize: "none", spellcheck: "false", autocomplete: "organization",
      required: true,
    }),
    inputField({
      id: "login-email", field: "email", label: t("login.email"), type: "email",
      value: params.get("email") || "", autocomplete: "username", inputmode: "email", required: true,
    }),
    inputField({id: "login-password", field: "password", label: t("login.password"), type: "password",
      autocomplete: "current-password", required: true}),
    errorRegion,
    submit);

  page.append(h("div", {class: "auth-card card"},
    h("h1", {tabindex: "-1"}, t("login.title")),
    subtitle,
    notice ? h("p", {class: "notice", role: "status"}, t(`notices.${notice}`)) : null,
    form,
    h("p", {class: "auth-links"}, h("a", {
      href: "#/forgot-password",
      on: {click: (event) => { event.preventDefault(); navigate(forgotHash(form)); }},
    }, t("login.forgot")))));

  // Brand the page for the portal being signed in to; an unknown portal is said, not swallowed.
  const brandFor = async (slug) => {
    try {
      const tenant = await loadTenant(slug);
      setTenant(tenant);
      showTenantName(tenant);
      return true;
    } catch (error) {
      if (fixedTenant) errorRegion.textContent = error.message;
      else setFieldError(form, "tenant", error.message);
      return false;
    }
  };
  if (fixedTenant) brandFor(fixedTenant);
  const tenantInput = form.querySelector("#login-tenant");
  if (tenantInput?.value) brandFor(tenantInput.value.trim().toLowerCase());
  tenantInput?.addEventListener("change", () => {
    clearErrors(form, errorRegion);
    if (tenantInput.value.trim()) brandFor(tenantInput.value.trim().toLowerCase());
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, errorRegion);
    const values = {
      tenant: fixedTenant || (tenantInput?.value || "").trim().toLowerCase(),
      email: form.querySelector("#login-email").value.trim(),
      password: form.querySelector("#login-password").value,
    };
    if (!requireValues(form, errorRegion, values)) return;
    try {
      const result = await whileBusy(submit, t("login.submitting"), () => api.post("/auth/login", values, {auth: false}));
      startSession(result);
      setTenant(result.tenant);
      navigate(next);
    } catch (error) {
      showApiError(form, errorRegion, error);
      const retryAfter = Number(error.details?.retry_after);
      if (error.code === "login_locked" && retryAfter > 0) {
        errorRegion.append(" ", t("login.retry_after", {minutes: Math.ceil(retryAfter / 60)}));
      }
      if (error.status === 401) form.querySelector("#login-password").value = "";
    }
  });
}

// The forgot-password page gets the email (and portal) already typed here.
function forgotHash(form) {
  const query = new URLSearchParams();
  const email = form.querySelector("#login-email").value.trim();
  const tenant = form.querySelector("#login-tenant")?.value.trim();
  if (email) query.set("email", email);
  if (tenant) query.set("tenant", tenant);
  const text = query.toString();
  return text ? `#/forgot-password?${text}` : "#/forgot-password";
}
