// One agent's panel: name, domain, model, status, the answer as it streams (its stance block hidden), then the parsed
// stance and the agent's figures. Agent text is untrusted: it is only ever set as text.

import { el, formatInt, formatPercent, seconds, signed } from "./dom.js";
import { domainOf, nameOf } from "./roster.js";

const STANCE_OPEN = "<stance>";

export const POSITIONS = [
  [-2, "Strongly against"],
  [-1, "Against"],
  [0, "Undecided"],
  [1, "For"],
  [2, "Strongly for"],
];
export const POSITION_LABEL = new Map(POSITIONS);

export class Panel {
  constructor(id) {
    this.id = id;
    this.raw = "";
    this.shown = "";
    this.text = document.createTextNode("");
    const nameId = `panel-${id}-name`;
    this.name = el("h3", { id: nameId, text: nameOf(id) });
    this.domain = el("p", { class: "domain", text: domainOf(id) });
    this.model = el("p", { class: "model" });
    this.state = el("span", { class: "badge", text: "waiting" });
    this.notes = el("ul", { class: "notes" });
    this.answer = el("div", { class: "answer", tabindex: "0", "aria-label": `Answer of ${nameOf(id)}` }, this.text);
    this.stance = el("div", { class: "stance", hidden: true });
    this.metrics = el("dl", { class: "metrics", hidden: true });
    this.error = el("p", { class: "agent-error", hidden: true });
    this.root = el(
      "article",
      { class: "panel", dataset: { agent: id, status: "waiting" }, "aria-labelledby": nameId },
      el("header", { class: "panel-head" }, el("div", { class: "panel-title" }, this.name, this.state), this.domain, this.model),
      this.notes,
      this.answer,
      this.error,
      this.stance,
      this.metrics,
    );
  }

  get status() {
    return this.root.dataset.status;
  }

  setAgent(agent) {
    this.name.textContent = agent.name;
    this.domain.textContent = agent.domain ?? "";
    this.answer.setAttribute("aria-label", `Answer of ${agent.name}`);
  }

  setStatus(status, label = status) {
    this.root.dataset.status = status;
    this.state.textContent = label;
  }

  start(model) {
    this.model.textContent = model;
    if (this.status === "waiting" || this.status === "retrying") this.setStatus("streaming", "answering");
  }

  append(text) {
    this.raw += text;
    this.render(visibleText(this.raw));
  }

  /** Shows text, appending when it only grew (the usual case), so a long answer is not rewritten per token. */
  render(display) {
    if (display === this.shown) return;
    const box = this.answer;
    const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8; // the reader is at the end: stay there
    if (display.startsWith(this.shown)) this.text.appendData(display.slice(this.shown.length));
    else this.text.data = display;
    this.shown = display;
    if (following) box.scrollTop = box.scrollHeight;
  }

  retry(data) {
    const status = data.status ? `${data.status}` : "no response";
    this.notes.append(el("li", { class: "note", text: `${data.model} failed (${status}); trying ${data.nextModel}.` }));
    this.setStatus("retrying", "retrying");
  }

  /** A note on the panel (e.g. how much of the agent's thread was sent). */
  note(text) {
    this.notes.append(el("li", { class: "note", text }));
  }

  done(data) {
    const box = this.answer;
    const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    this.model.textContent = data.model ?? "";
    // A parsed stance replaces its block; an unreadable one leaves the text as written, block and all.
    this.render(data.stance ? withoutStance(this.raw) : this.raw);
    this.setStatus("done", data.stance ? "done" : "done, no stance");
    if (following) box.scrollTop = 0; // it was followed to its end while written: now offer it from the start
    this.stance.replaceChildren(...(data.stance ? stanceView(data.stance) : [el("p", { class: "hint", text: "No readable stance block: left out of the tension map." })]));
    this.stance.hidden = false;
    const usage = data.usage ?? {};
    // A transcript keeps no timings: then only the usage is shown.
    const timed = data.ttftMs !== undefined || data.durationMs !== undefined;
    this.metrics.replaceChildren(
      ...(timed ? [...metric("First token", seconds(data.ttftMs)), ...metric("Duration", seconds(data.durationMs))] : []),
      ...metric("Tokens in / out", `${formatInt.format(usage.input_tokens ?? 0)} / ${formatInt.format(usage.output_tokens ?? 0)}`),
      ...metric("Cache write / read", `${formatInt.format(usage.cache_creation_input_tokens ?? 0)} / ${formatInt.format(usage.cache_read_input_tokens ?? 0)}`),
    );
    this.metrics.hidden = false;
  }

  fail(data) {
    this.render(this.raw);
    this.setStatus("failed", "failed");
    this.error.replaceChildren(el("strong", { text: `Failed (${data.code}):` }), ` ${data.message ?? ""}`);
    this.error.hidden = false;
  }
}

/** The answer without its stance block: everything from the last "<stance>" on, or a "<stance>" still arriving. */
function visibleText(raw) {
  const open = raw.lastIndexOf(STANCE_OPEN);
  if (open >= 0) return raw.slice(0, open).trimEnd();
  for (let n = STANCE_OPEN.length - 1; n > 0; n--) {
    if (raw.endsWith(STANCE_OPEN.slice(0, n))) return raw.slice(0, raw.length - n).trimEnd();
  }
  return raw;
}

function withoutStance(raw) {
  const open = raw.lastIndexOf(STANCE_OPEN);
  return open >= 0 ? raw.slice(0, open).trimEnd() : raw;
}

function metric(term, value) {
  return [el("dt", { text: term }), el("dd", { text: value })];
}

/** A position clamped to the −2..2 scale. */
export function clampPosition(value) {
  return Math.max(-2, Math.min(2, Math.round(Number(value) || 0)));
}

/** The stance as a labelled −2..2 scale, confidence, summary and topics. */
function stanceView(stance) {
  const position = clampPosition(stance.position);
  const label = POSITION_LABEL.get(position);
  const confidence = Math.max(0, Math.min(1, Number(stance.confidence) || 0));
  const scale = el(
    "div",
    { class: "scale", role: "img", "aria-label": `Position ${signed(position)} of −2 to +2: ${label}` },
    ...POSITIONS.map(([value, text]) =>
      el("span", { class: value === position ? "step active" : "step", dataset: { position: String(value) }, title: text, "aria-hidden": "true" }, signed(value)),
    ),
  );
  const topics = Object.entries(stance.topics ?? {});
  return [
    el("p", { class: "stance-head" }, el("strong", { class: "position", dataset: { position: String(position) }, text: label }), ` · confidence ${formatPercent.format(confidence)}`),
    scale,
    el("div", { class: "scale-ends", "aria-hidden": "true" }, el("span", { text: "against" }), el("span", { text: "for" })),
    el("p", { class: "summary", text: stance.summary ?? "" }),
    topics.length
      ? el("ul", { class: "topics", "aria-label": "Positions on topics" }, ...topics.map(([topic, value]) => el("li", { dataset: { position: String(value) } }, `${topic} ${signed(value)}`)))
      : null,
  ];
}
