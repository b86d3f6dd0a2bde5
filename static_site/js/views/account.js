// Small pieces about the signed-in contact's account, shared by the dashboard, profile and header.

import {t} from "../i18n.js";

const KNOWN_TAX_ID_TYPES = ["NIT", "CC", "CE", "TI", "PA", "RUT"];

/** "NIT 900123456-8"; an unknown or missing type gets the generic word. */
export function taxIdText(account) {
  if (!account?.tax_id) return "";
  const type = KNOWN_TAX_ID_TYPES.includes(account.tax_id_type) ? account.tax_id_type : "OTHER";
  return `${t(`tax_id_types.${type}`)} ${account.tax_id}`;
}

/** "AP" for "Ana Pérez" — the avatar in the user menu. */
export function initials(name) {
  return String(name || "")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
}
