// The signed-in state. The token lives in memory and in sessionStorage (survives a reload of this tab,
// dies with it); never in localStorage or in a URL.

const STORAGE_KEY = "portico.session";

let token = readStoredToken();
let me = null; // the /me payload: contact, account, modules, tenant, session
const listeners = new Set();

function readStoredToken() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function sessionToken() {
  return token;
}

export function currentUser() {
  return me;
}

/** Called after sign-in with the login response, or after a reload with GET /me. */
export function startSession({token: newToken, ...profile}) {
  if (newToken) {
    token = newToken;
    try {
      sessionStorage.setItem(STORAGE_KEY, newToken);
    } catch {
      // storage blocked: the session still works until this page is closed
    }
  }
  me = profile;
  notify();
}

export function endSession() {
  token = null;
  me = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
  notify();
}

/** Whether the contact has `module` in their grant (a module they lack does not exist for them). */
export function hasModule(module) {
  return Boolean(me?.modules && Object.hasOwn(me.modules, module));
}

/** Whether the contact's grant allows `action` in `module` (`view` comes with the module itself). */
export function hasAction(module, action) {
  if (!hasModule(module)) return false;
  return action === "view" || Boolean(me.modules[module]?.actions?.includes(action));
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function notify() {
  for (const listener of listeners) listener(me);
}
