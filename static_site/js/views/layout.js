// The header around every page: tenant brand, main nav (from the contact's modules), language switch,
// user menu (Mis datos, account executive) and sign-out. The elements themselves are in index.html.

import {signOut} from "../auth.js";
import {currentTenant, safeLogoUrl} from "../branding.js";
import {emailText, h, replace} from "../dom.js";
import {language, t} from "../i18n.js";
import {navEntries} from "../modules.js";
import {currentUser, hasModule} from "../session.js";
import {initials} from "./account.js";
import {executiveCard} from "./executive.js";
import {cartButton} from "./sales.js";

const byId = (id) => document.getElementById(id);
let currentPath = null; // the nav entry to mark, kept across header re-draws

/** Puts the i18n words into the static elements marked data-i18n / data-i18n-aria-label. */
export function applyStaticTexts() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  byId("lang-switch").value = language();
}

/** Wires the header's controls once; `onLanguage(lang)` runs when the switch changes. */
export function initLayout({onLanguage}) {
  byId("lang-switch").addEventListener("change", (event) => onLanguage(event.target.value));
  byId("menu-toggle").addEventListener("click", () => toggle(byId("menu-toggle"), byId("header-panel"), "is-open"));
  byId("skip-link").addEventListener("click", (event) => {
    event.preventDefault(); // "#main" would be read as a route
    byId("main").focus();
  });
  document.addEventListener("click", (event) => {
    // A link in the menus closes them even when it points at the page already shown.
    if (event.target.closest?.("#header-panel a")) closeMenus();
    else if (!event.target.closest?.(".user-menu")) closeUserMenu();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const button = byId("user-menu-button");
    if (button?.getAttribute("aria-expanded") === "true") {
      closeUserMenu();
      button.focus();
    } else if (byId("menu-toggle").getAttribute("aria-expanded") === "true") {
      closeMenus();
      byId("menu-toggle").focus();
    }
  });
}

// Disclosure pattern: the button's aria-expanded and the panel's visibility move together.
function toggle(button, panel, openClass, open = button.getAttribute("aria-expanded") !== "true") {
  button.setAttribute("aria-expanded", String(open));
  if (openClass) panel.classList.toggle(openClass, open);
  else panel.hidden = !open;
}

function closeUserMenu() {
  const button = byId("user-menu-button");
  if (button) toggle(button, byId("user-menu-panel"), null, false);
}

/** Closes the user menu and the small-screen menu (on every route change). */
export function closeMenus() {
  closeUserMenu();
  toggle(byId("menu-toggle"), byId("header-panel"), "is-open", false);
}

/** Re-draws the brand, nav and user area for the current tenant and contact. */
export function renderHeader() {
  const tenant = currentTenant();
  const me = currentUser();
  const logo = safeLogoUrl(tenant?.branding?.logo_url);
  replace(byId("brand"),
    logo ? h("img", {class: "brand-logo", src: logo, alt: "", width: "32", height: "32"}) : null,
    h("span", {class: "brand-name"}, tenant?.name || t("app.name")));

  const nav = byId("main-nav");
  nav.hidden = !me;
  byId("menu-toggle").hidden = !me;
  byId("user-area").hidden = !me;
  if (!me) {
    replace(byId("main-nav-list"));
    replace(byId("user-area"));
    return;
  }
  replace(byId("main-nav-list"), navEntries(me.modules).map((page) =>
    h("li", {}, h("a", {href: `#${page.route}`, dataset: {route: page.route}}, t(page.labelKey)))));
  markCurrentNav(currentPath);
  replace(byId("user-area"), cartButton(), userMenu(me), h("button", {
    type: "button", id: "logout", class: "button button-secondary button-small", on: {click: () => signOut()},
  }, t("header.logout")));
}

function userMenu({contact, account}) {
  const button = h("button", {
    type: "button", id: "user-menu-button", class: "user-menu-button", "aria-expanded": "false", "aria-controls": "user-menu-panel",
  },
  h("span", {class: "avatar", "aria-hidden": "true"}, initials(contact.name)),
  h("span", {class: "user-menu-name"}, contact.name),
  h("span", {class: "visually-hidden"}, `, ${t("header.user_menu")}`));
  button.addEventListener("click", () => toggle(button, byId("user-menu-panel"), null));
  return h("div", {class: "user-menu"},
    button,
    h("div", {id: "user-menu-panel", class: "user-menu-panel", hidden: true},
      h("p", {class: "user-identity"},
        h("strong", {}, contact.name),
        contact.email ? h("span", {class: "email"}, emailText(contact.email)) : null,
        account?.name ? h("span", {}, account.name) : null),
      hasModule("profile")
        ? h("ul", {class: "user-menu-links"},
          h("li", {}, h("a", {href: "#/profile", id: "menu-profile"}, t("nav.profile"))))
        : null,
      executiveCard(account?.account_executive, {idPrefix: "menu-executive"})));
}

/** aria-current="page" on the nav entry of `path`. */
export function markCurrentNav(path) {
  currentPath = path;
  for (const link of byId("main-nav-list").querySelectorAll("a")) {
    if (link.dataset.route === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
