// Tiny element builder: every text goes through textContent, so API data can never become markup.

/**
 * h("a", {href: "#/", class: "brand"}, "Inicio") → <a class="brand" href="#/">Inicio</a>
 * Attributes: `class`, `dataset` (object), `on` (object of event → handler), booleans, anything else
 * via setAttribute. Children: strings, numbers, nodes, arrays; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "on") for (const [type, handler] of Object.entries(value)) el.addEventListener(type, handler);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/**
 * An email address that wraps only after its "@" or a dot, never inside a word, and after the "@" first:
 * emailText("laura.restrepo@andina.example.com") → two inline blocks, "laura.restrepo@" and
 * "andina.example.com" (class email-part), each with a <wbr> after its dots for when it alone is wider than
 * the line. Its text is still the address (copying it, or reading textContent, gives it unchanged).
 */
export function emailText(address) {
  const text = String(address ?? "");
  const at = text.lastIndexOf("@") + 1;
  const pieces = (part) => part.split(/(?<=\.)/).flatMap((piece, i) => (i ? [document.createElement("wbr"), piece] : [piece]));
  return [text.slice(0, at), text.slice(at)].filter(Boolean).map((part) => h("span", {class: "email-part"}, pieces(part)));
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Placeholder lines shown while data loads (see .skeleton in portal.css). */
export function skeleton(lines = 3) {
  return h("div", {class: "skeleton-block", "aria-hidden": "true"},
    Array.from({length: lines}, (_, i) => h("span", {class: `skeleton skeleton-line${i === 0 ? " skeleton-title" : ""}`})));
}

/** Says `message` through the page's polite live region (for results that appear away from the focus). */
export function announce(message) {
  const region = document.getElementById("live-region");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers announce a repeated message too.
  setTimeout(() => { region.textContent = message; }, 50);
}
