// Signing out (here, everywhere, or because the API said 401) and the one-time notice the login page shows.

import {api} from "./api.js";
import {announce} from "./dom.js";
import {t} from "./i18n.js";
import {loginHash, navigate, parseHash} from "./router.js";
import {endSession, sessionToken} from "./session.js";

let pendingNotice = null; // i18n key under "notices."

/** The notice for the login page ("signed_out", "session_ended", …), once. */
export function takeNotice() {
  const notice = pendingNotice;
  pendingNotice = null;
  return notice;
}

function leave(notice, hash = "#/login") {
  endSession();
  pendingNotice = notice;
  announce(t(`notices.${notice}`));
  navigate(hash);
}

/** "Cerrar sesión": revoke this session on the server (best effort) and forget it here regardless. */
export async function signOut() {
  if (sessionToken()) {
    try {
      await api.post("/auth/logout");
    } catch {
      // Already expired or offline: the local token is dropped anyway, which is what the user asked for.
    }
  }
  leave("signed_out");
}

/** "Cerrar sesión en todos los dispositivos". Errors propagate so the caller can show them. */
export async function signOutEverywhere() {
  await api.post("/auth/logout-all");
  leave("signed_out_all");
}

/** An authenticated call answered 401: back to sign-in, remembering the page to come back to. */
export function sessionEnded() {
  if (parseHash().path === "/login") {
    endSession(); // several calls can fail at once: the first one already went to sign-in
    return;
  }
  leave("session_ended", loginHash());
}
