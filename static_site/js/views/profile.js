// #/profile — "Mis datos": the contact's own data, and their active sessions when the grant has `profile`.

import {emailText, h} from "../dom.js";
import {t} from "../i18n.js";
import {currentUser} from "../session.js";
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
    sessionsSection());
}
