// Amounts on a screen are read together, so they share their decimals (docs/decisions.md, "Money on screen,
// PDF and mail"): views write each amount with money(), and watchMoney(#main) keeps every amount of one
// currency on the screen with decimals as soon as one of them has cents — also after "Cargar más" or a live
// update. An amount inside a sentence is a string from formatMoney() and stands alone.

import {h} from "./dom.js";
import {formatMoney, showsCents} from "./format.js";

/** An amount as an element: <span class="money" data-minor="175005000" data-currency="COP">$ 1.750.050</span>. */
export function money(minorUnits, currency, attrs = {}) {
  const minor = Math.trunc(Number(minorUnits)) || 0;
  return h("span", {...attrs, class: attrs.class ? `money ${attrs.class}` : "money",
    dataset: {...attrs.dataset, minor: String(minor), currency}}, formatMoney(minor, currency));
}

/** Gives the amounts under `root` one decision per currency: all with decimals when any has cents. */
export function alignMoney(root) {
  const byCurrency = new Map();
  for (const span of root.querySelectorAll(".money[data-minor][data-currency]")) {
    const currency = span.dataset.currency;
    if (!byCurrency.has(currency)) byCurrency.set(currency, []);
    byCurrency.get(currency).push(span);
  }
  for (const [currency, spans] of byCurrency) {
    const cents = showsCents(spans.map((span) => Number(span.dataset.minor)), currency);
    for (const span of spans) {
      const text = formatMoney(span.dataset.minor, currency, undefined, {cents});
      if (span.textContent !== text) span.textContent = text; // unchanged text: no mutation, no loop
    }
  }
}

/** Aligns the amounts under `root` now and whenever its content changes (the page's <main>). */
export function watchMoney(root) {
  alignMoney(root);
  new MutationObserver(() => alignMoney(root)).observe(root, {childList: true, subtree: true});
}
