// #/profile — "Mis datos": the contact's own data, their payment reminder switch (with billing), and their active
// sessions when the grant has `profile`.

import {request} from "../api.js";
import {emailText, h, replace, skeleton} from "../dom.js";
import {intlLocale, t} from "../i18n.js";
import {currentUser, hasAction, hasModule} from "../session.js";
import {taxIdText} from "./account.js";
import {sessionsSection} from "./sessions.js";

export function renderProfile(page) {
  const {contact, account} = currentUser();
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value || h("span", {class: "muted"}, t("profile.not_set")))];
  page.append(
    h("header", {class: "page-header"}, h("h1", {tabindex: "-1"}, t("profile.title"))),
    h("section", {class: "card", "aria-labelledby": "profile-data-title"},
      h("h2", {id: "profile-data-title", class: "card-title"}, t("profile.data_title")),
      h("dl", {class: "data-list", id: "profile-data"},
        row(t("profile.name"), contact.name),
        row(t("profile.email"), contact.email ? h("span", {class: "email"}, emailText(contact.email)) : null),
        row(t("profile.phone"), contact.phone),
        row(t("profile.company"), [account.name, account.tax_id ? ` · ${taxIdText(account)}` : ""].join("")),
        row(t("profile.city"), account.city)),
      h("p", {class: "muted"}, t("profile.change_hint"))),
    hasModule("billing") ? remindersSection() : null,
    sessionsSection());
}

// ---------- Payment reminders (GET/PUT /me/preferences) ----------

function remindersSection() {
  const body = h("div", {class: "reminders-body", "aria-busy": "true"}, skeleton(2));
  const section = h("section", {class: "card", id: "reminders", "aria-labelledby": "reminders-title"},
    h("h2", {id: "reminders-title", class: "card-title"}, t("profile.reminders_title")),
    body);
  loadReminders(body);
  return section;
}

async function loadReminders(body) {
  body.setAttribute("aria-busy", "true");
  try {
    replace(body, remindersSwitch(await request("GET", "/me/preferences")));
  } catch (error) {
    replace(body, h("p", {class: "form-error", role: "alert"}, error.message), " ",
      h("button", {type: "button", class: "button button-secondary", on: {click: () => {
        replace(body, skeleton(2));
        loadReminders(body);
      }}}, t("actions.retry")));
  } finally {
    body.removeAttribute("aria-busy");
  }
}

/** "3 días antes, el mismo día, 7 días después y 15 días después" from the tenant's steps. */
export function stepsText(offsets) {
  const step = (days) => {
    if (days === 0) return t("profile.reminders_step_due");
    const key = days < 0 ? "before" : "after";
    return t(Math.abs(days) === 1 ? `profile.reminders_step_${key}_one` : `profile.reminders_step_${key}`,
      {days: Math.abs(days)});
  };
  return new Intl.ListFormat(intlLocale(), {type: "conjunction"}).format(offsets.map(step));
}

function remindersSwitch(prefs) {
  const schedule = prefs.reminder_schedule;
  const canEdit = hasAction("profile", "edit");
  const hint = !schedule.active
    ? t("profile.reminders_inactive", {tenant: currentUser()?.tenant?.name || ""})
    : [t("profile.reminders_hint", {steps: stepsText(schedule.offsets)}),
      canEdit ? "" : ` ${t("profile.reminders_no_edit")}`].join("");
  const box = h("input", {type: "checkbox", id: "reminders-switch", name: "reminders", checked: prefs.reminders,
    disabled: !canEdit || !schedule.active, "aria-describedby": "reminders-hint reminders-error"});
  const error = h("p", {class: "field-error", id: "reminders-error"});
  const status = h("p", {class: "muted", id: "reminders-status", role: "status"});
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    error.textContent = "";
    status.textContent = "";
    box.disabled = true;
    try {
      const saved = await request("PUT", "/me/preferences", {body: {reminders: wanted}});
      box.checked = saved.reminders;
      status.textContent = t(saved.reminders ? "profile.reminders_saved_on" : "profile.reminders_saved_off");
    } catch (problem) {
      box.checked = !wanted;
      error.textContent = problem.message;
    } finally {
      box.disabled = false;
    }
  });
  return [
    h("div", {class: "field checkbox-field"},
      box,
      h("label", {for: "reminders-switch"}, t("profile.reminders_label")),
      h("p", {class: "field-hint", id: "reminders-hint"}, hint),
      error),
    status,
  ];
}
