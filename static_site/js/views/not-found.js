import {h} from "../dom.js";
import {t} from "../i18n.js";

export function renderNotFound(page) {
  page.append(
    h("h1", {tabindex: "-1"}, t("not_found.title")),
    h("p", {}, t("not_found.body")),
    h("p", {}, h("a", {href: "#/", class: "button"}, t("not_found.home"))));
}
