// Which page each module brings. The nav is built from this registry and the contact's `modules`:
// a module the contact lacks has no nav entry and no route. Later work adds one line per page, in the
// order of the navigation table in UI.md (billing: receivables, statement, invoices; payments; …).

import {renderDashboard} from "./views/dashboard.js";
import {renderProfile} from "./views/profile.js";

/** The dashboard belongs to everyone signed in; it is not a module. */
export const HOME_PAGE = {route: "/", labelKey: "nav.home", view: renderDashboard};

/**
 * module → {route, labelKey, view}. A page exists only for contacts whose grant lists the module
 * (DESIGN §1: a module the contact lacks does not exist for them).
 */
export const MODULE_PAGES = {
  profile: {route: "/profile", labelKey: "nav.profile", view: renderProfile},
};

/** Nav entries for a contact's `modules` object (from /me), in registry order. */
export function navEntries(modules = {}) {
  const granted = Object.entries(MODULE_PAGES)
    .filter(([module]) => Object.hasOwn(modules, module))
    .map(([, page]) => page);
  return [HOME_PAGE, ...granted];
}
