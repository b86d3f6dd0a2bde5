// "Sesiones activas" on #/profile: every signed-in device, closing one, or all of them.

import {api} from "../api.js";
import {signOut, signOutEverywhere} from "../auth.js";
import {announce, h, replace, skeleton} from "../dom.js";
import {formatDateTime} from "../format.js";
import {t} from "../i18n.js";
import {currentUser} from "../session.js";

const BROWSERS = [[/Edg\//, "Edge"], [/OPR\/|Opera/, "Opera"], [/Firefox\//, "Firefox"], [/Chrome\/|CriOS/, "Chrome"], [/Safari\//, "Safari"]];
const SYSTEMS = [[/Windows/, "Windows"], [/Android/, "Android"], [/iPhone|iPad|iPod/, "iOS"], [/Mac OS X|Macintosh/, "macOS"], [/CrOS/, "ChromeOS"], [/Linux/, "Linux"]];

/** "Chrome · Windows" from a User-Agent; the generic words when nothing is recognised. */
export function describeUserAgent(userAgent = "") {
  const pick = (list) => list.find(([pattern]) => pattern.test(userAgent))?.[1];
  const parts = [pick(BROWSERS), pick(SYSTEMS)].filter(Boolean);
  return parts.length ? parts.join(" · ") : t("sessions.unknown_device");
}

export function sessionsSection() {
  const body = h("div", {class: "sessions-body", "aria-busy": "true"}, skeleton(4));
  const status = h("p", {class: "form-error", role: "alert"});
  const logoutAll = h("button", {type: "button", id: "logout-all", class: "button button-secondary"}, t("sessions.logout_all"));
  const section = h("section", {class: "card", id: "sessions", "aria-labelledby": "sessions-title"},
    h("h2", {id: "sessions-title", class: "card-title"}, t("sessions.title")),
    h("p", {class: "muted"}, t("sessions.intro")),
    body,
    status,
    h("div", {class: "actions"}, logoutAll));

  logoutAll.addEventListener("click", async () => {
    status.textContent = "";
    logoutAll.disabled = true;
    try {
      await signOutEverywhere();
    } catch (error) {
      status.textContent = error.message;
      logoutAll.disabled = false;
    }
  });

  load(body, status);
  return section;
}

async function load(body, status) {
  body.setAttribute("aria-busy", "true");
  try {
    const {items} = await api.get("/me/sessions");
    replace(body, items.length ? sessionsTable(items, status) : h("p", {}, t("sessions.empty")));
  } catch (error) {
    replace(body, h("p", {class: "form-error", role: "alert"}, error.message), " ",
      h("button", {type: "button", class: "button button-secondary", on: {click: () => {
        replace(body, skeleton(4));
        load(body, status);
      }}}, t("actions.retry")));
  } finally {
    body.removeAttribute("aria-busy");
  }
}

function sessionsTable(items, status) {
  const timeZone = currentUser()?.tenant?.timezone;
  const when = (instant) => (instant ? formatDateTime(instant, timeZone) : "—");
  const columns = ["device", "ip", "created", "last_seen"].map((key) => t(`sessions.columns.${key}`));
  const rows = items.map((session) => {
    const device = describeUserAgent(session.user_agent || "");
    const close = h("button", {
      type: "button",
      class: "button button-secondary button-small",
      // Each row's button says which session it closes.
      "aria-label": t("sessions.close_label", {device, date: when(session.created_at)}),
    }, t("sessions.close"));
    const row = h("tr", {dataset: {sessionId: session.id}},
      h("td", {dataset: {label: columns[0]}}, device,
        session.current ? [" ", h("span", {class: "badge"}, t("sessions.current"))] : null),
      h("td", {dataset: {label: columns[1]}}, session.ip || "—"),
      h("td", {dataset: {label: columns[2]}}, when(session.created_at)),
      h("td", {dataset: {label: columns[3]}}, when(session.last_seen_at)),
      h("td", {class: "cell-actions"}, close));
    close.addEventListener("click", () => closeSession(session, row, close, status));
    return row;
  });
  return h("table", {class: "table-cards sessions-table"},
    h("caption", {class: "visually-hidden"}, t("sessions.title")),
    h("thead", {}, h("tr", {},
      columns.map((label) => h("th", {scope: "col"}, label)),
      h("th", {scope: "col", class: "cell-actions"}, h("span", {class: "visually-hidden"}, t("sessions.columns.actions"))))),
    h("tbody", {}, rows));
}

async function closeSession(session, row, button, status) {
  if (session.current) {
    await signOut(); // closing this very session is signing out
    return;
  }
  status.textContent = "";
  button.disabled = true;
  try {
    await api.delete(`/me/sessions/${encodeURIComponent(session.id)}`);
    const table = row.closest("table");
    const heading = document.getElementById("sessions-title");
    row.remove();
    heading?.setAttribute("tabindex", "-1");
    heading?.focus(); // the focused button is gone; keep the keyboard user in this section
    announce(t("sessions.closed"));
    if (table && !table.tBodies[0].rows.length) table.replaceWith(h("p", {}, t("sessions.empty")));
  } catch (error) {
    status.textContent = error.message;
    button.disabled = false;
  }
}
