// Composition root: language, header, routes, and the sign-in guard in front of private pages.

import {api, onUnauthorized} from "./api.js";
import {sessionEnded} from "./auth.js";
import {currentTenant, loadTenant, onTenantChange, setTenant} from "./branding.js";
import {h, replace, skeleton} from "./dom.js";
import {setLanguage, t} from "./i18n.js";
import {HOME_PAGE, MODULE_PAGES} from "./modules.js";
import {watchMoney} from "./money.js";
import {addRoute, loginHash, navigate, refresh, setNotFound, startRouter} from "./router.js";
import {currentUser, hasModule, onSessionChange, sessionToken, startSession} from "./session.js";
import {configuredTenant} from "./settings.js";
import {renderAttachmentLink} from "./views/attachment-link.js";
import {renderForgotPassword} from "./views/forgot-password.js";
import {applyStaticTexts, closeMenus, initLayout, markCurrentNav, renderHeader} from "./views/layout.js";
import {renderLogin} from "./views/login.js";
import {renderNotFound} from "./views/not-found.js";
import {renderRemindersOptOut} from "./views/reminders-opt-out.js";
import {renderSetPassword} from "./views/set-password.js";

const main = document.getElementById("main");
const NOT_FOUND = {view: renderNotFound, titleKey: "not_found.title"};

let renderCount = 0; // a slower, older render must not overwrite a newer one
let keepFocus = false; // a language switch re-renders in place without moving focus
let pageTitleKey = "app.name";

function updateTitle() {
  document.title = `${t(pageTitleKey)} · ${currentTenant()?.name || t("app.name")}`;
}

function registerRoutes() {
  addRoute({path: "/login", view: renderLogin, titleKey: "login.title", public: true});
  addRoute({path: "/set-password", view: renderSetPassword, titleKey: "set_password.title", public: true});
  addRoute({path: "/forgot-password", view: renderForgotPassword, titleKey: "forgot.title", public: true});
  addRoute({path: "/attachment/:token", view: renderAttachmentLink, titleKey: "attachment.title", public: true});
  addRoute({path: "/reminders/opt-out", view: renderRemindersOptOut, titleKey: "reminders_opt_out.title",
    public: true});
  addRoute({path: HOME_PAGE.route, view: HOME_PAGE.view, titleKey: HOME_PAGE.labelKey});
  for (const page of MODULE_PAGES) {
    addRoute({path: page.route, view: page.view, titleKey: page.titleKey || page.labelKey, module: page.module,
      navRoute: page.navRoute});
  }
  setNotFound(NOT_FOUND);
}

async function showRoute(route, location) {
  const ticket = ++renderCount;
  const stayFocused = keepFocus;
  keepFocus = false;
  closeMenus();
  if (!route.public && !(await ensureSignedIn(location))) return;
  if (ticket !== renderCount) return;

  // A module page the contact's grant lacks does not exist for them.
  const visible = !route.module || hasModule(route.module);
  const shown = visible ? route : NOT_FOUND;

  const page = h("div", {class: "page"});
  main.setAttribute("aria-busy", "false");
  replace(main, page);
  shown.view(page, location);
  pageTitleKey = shown.titleKey;
  updateTitle();
  markCurrentNav(visible ? shown.navRoute || location.path : null);
  if (!stayFocused) {
    window.scrollTo(0, 0);
    main.querySelector("h1")?.focus();
  }
}

/** True when a session is ready; otherwise it has already sent the visitor to sign in or shown why not. */
async function ensureSignedIn(location) {
  if (!sessionToken()) {
    navigate(loginHash(location.hash));
    return false;
  }
  if (currentUser()) return true;
  // A reload keeps the token (sessionStorage) but not the profile: fetch it behind a skeleton.
  main.setAttribute("aria-busy", "true");
  replace(main, h("div", {class: "page"}, skeleton(2), h("div", {class: "card"}, skeleton(4))));
  try {
    const me = await api.get("/me");
    startSession(me);
    setTenant(me.tenant);
    return true;
  } catch (error) {
    if (error.status === 401) return false; // sessionEnded() already went to #/login
    main.setAttribute("aria-busy", "false");
    replace(main, h("div", {class: "page"},
      h("h1", {tabindex: "-1"}, t("errors.load_title")),
      h("p", {class: "form-error", role: "alert"}, error.message),
      h("button", {type: "button", class: "button", on: {click: refresh}}, t("actions.retry"))));
    main.querySelector("h1").focus();
    return false;
  }
}

// Wear the configured portal's brand from the first paint (sign-in pages, or while /me loads after a
// reload). login.js reports an unknown portal; elsewhere /me brings the tenant anyway.
function brandFromConfig() {
  const slug = configuredTenant();
  if (slug && !currentTenant()) loadTenant(slug).then((tenant) => currentTenant() || setTenant(tenant), () => {});
}

async function changeLanguage(lang) {
  await setLanguage(lang, {remember: true});
  applyStaticTexts();
  renderHeader();
  keepFocus = true;
  refresh();
}

async function boot() {
  await setLanguage();
  applyStaticTexts();
  initLayout({onLanguage: changeLanguage});
  onUnauthorized(sessionEnded);
  onSessionChange(renderHeader);
  onTenantChange(() => {
    renderHeader();
    updateTitle();
  });
  renderHeader();
  brandFromConfig();
  registerRoutes();
  watchMoney(main); // one screen's amounts share their decimals (docs/decisions.md)
  startRouter(showRoute);
}

boot().catch((error) => {
  // Without the dictionary we cannot say anything in the user's words; say it plainly, in both.
  console.error(error);
  replace(main, h("p", {class: "form-error", role: "alert"}, "No pudimos cargar el portal. / The portal could not load."));
});
