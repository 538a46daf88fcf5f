// Small DOM and formatting helpers shared by every module. Children are nodes or strings, and strings always become
// text nodes: nothing the server sends is ever parsed as markup.

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (no text content is ever taken from the server here). */
export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

export const formatInt = new Intl.NumberFormat("en");
export const formatUsd = new Intl.NumberFormat("en", { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 6 });
export const formatPercent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 0 });

export function seconds(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0";
}

/** The page's status line and its problem box (both live regions). */
const status = () => $("status");
const problem = () => $("problem");

export function setStatus(text) {
  status().textContent = text;
}

export function showProblem(title, detail) {
  problem().replaceChildren(el("strong", { text: title }), detail ? el("span", { text: ` ${detail}` }) : "");
  problem().hidden = false;
}

export function clearProblem() {
  problem().hidden = true;
  problem().replaceChildren();
}

/** Resolves after ms, or at once when the signal aborts. */
export function delay(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
