// The account executive's card: on the dashboard and in the header's user menu.

import {emailText, h} from "../dom.js";
import {t} from "../i18n.js";

/** tel: links keep only "+" and digits ("+57 (601) 555 0101" → "tel:+576015550101"). */
export function telHref(phone) {
  return `tel:${String(phone).replace(/[^\d+]/g, "")}`;
}

/** A card for `executive` ({name, email, phone}), or null when the account has none. */
export function executiveCard(executive, {headingTag = "h2", idPrefix = "executive"} = {}) {
  if (!executive || !(executive.name || executive.email || executive.phone)) return null;
  const headingId = `${idPrefix}-title`;
  return h("section", {class: "card executive-card", "aria-labelledby": headingId},
    h(headingTag, {id: headingId, class: "card-title"}, t("executive.title")),
    executive.name ? h("p", {class: "executive-name"}, executive.name) : null,
    h("ul", {class: "contact-links"},
      executive.email ? h("li", {},
        h("span", {class: "contact-label"}, t("executive.email")), " ",
        h("a", {href: `mailto:${executive.email}`, class: "email"}, emailText(executive.email))) : null,
      executive.phone ? h("li", {},
        h("span", {class: "contact-label"}, t("executive.phone")), " ",
        h("a", {href: telHref(executive.phone)}, executive.phone)) : null));
}
