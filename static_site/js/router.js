// Hash routes: "#/profile", "#/set-password?token=…". The part after "?" is the route's query.

const routes = new Map(); // path → route definition
const patterns = []; // routes with ":name" segments ("/invoices/:id"), tried in order after the exact paths
let notFoundRoute = null;
let handler = () => {};

/**
 * route: {path, view, public?} — `public` routes render without a session. A ":name" segment
 * ("/invoices/:id") matches one non-empty segment, handed to the view as location.routeParams.name.
 */
export function addRoute(route) {
  if (route.path.split("/").some((segment) => segment.startsWith(":"))) patterns.push(route);
  else routes.set(route.path, route);
}

function matchPattern(path) {
  const segments = path.split("/");
  for (const route of patterns) {
    const wanted = route.path.split("/");
    if (wanted.length !== segments.length) continue;
    const routeParams = {};
    const matches = wanted.every((part, i) => {
      if (!part.startsWith(":")) return part === segments[i];
      if (!segments[i]) return false;
      try {
        routeParams[part.slice(1)] = decodeURIComponent(segments[i]);
      } catch {
        return false; // malformed %-escape: no such page
      }
      return true;
    });
    if (matches) return {route, routeParams};
  }
  return null;
}

export function setNotFound(route) {
  notFoundRoute = route;
}

/** "#/login?next=%23%2Finvoices" → {path: "/login", params: URLSearchParams, hash} */
export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const mark = raw.indexOf("?");
  const path = mark === -1 ? raw : raw.slice(0, mark);
  const query = mark === -1 ? "" : raw.slice(mark + 1);
  return {path: path || "/", params: new URLSearchParams(query), hash: `#${raw}`};
}

export function currentHash() {
  return parseHash().hash;
}

/** Goes to `hash` ("#/login?…"); re-renders even when it is already the current one. */
export function navigate(hash) {
  if (window.location.hash === hash) resolve();
  else window.location.hash = hash;
}

/**
 * Puts `hash` in the address bar (a new history entry) without rendering again: for views that already
 * show what the new query says (a chosen statement period), so a reload or a shared link keeps it.
 */
export function updateHash(hash) {
  if (window.location.hash !== hash) history.pushState(null, "", hash);
}

/** "#/login" with the page to come back to after signing in. */
export function loginHash(next = currentHash()) {
  // Home is where sign-in leads anyway; sign-in pages are no place to come back to.
  const comeBack = isSafeNext(next) && !["/", "/login"].includes(parseHash(next).path) ? next : null;
  return comeBack ? `#/login?next=${encodeURIComponent(comeBack)}` : "#/login";
}

/** Only in-app hash routes may be a `next` target (never another site). */
export function isSafeNext(next) {
  return typeof next === "string" && next.startsWith("#/");
}

function resolve() {
  const location = parseHash();
  let route = routes.get(location.path);
  location.routeParams = {};
  if (!route) {
    const match = matchPattern(location.path);
    route = match?.route;
    location.routeParams = match?.routeParams || {};
  }
  handler(route || notFoundRoute, location);
}

/** Starts listening; `onRoute(route, location)` renders. */
export function startRouter(onRoute) {
  handler = onRoute;
  window.addEventListener("hashchange", resolve);
  resolve();
}

/** Renders the current route again (after a language switch or sign-in state change). */
export function refresh() {
  resolve();
}
