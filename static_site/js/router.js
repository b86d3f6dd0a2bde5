// Hash routes: "#/profile", "#/set-password?token=…". The part after "?" is the route's query.

const routes = new Map(); // path → route definition
let notFoundRoute = null;
let handler = () => {};

/** route: {path, view, public?} — `public` routes render without a session. */
export function addRoute(route) {
  routes.set(route.path, route);
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
  const route = routes.get(location.path) || notFoundRoute;
  handler(route, location);
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
