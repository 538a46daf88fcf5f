// The council's page: asks POST /api/consilium, reads its event stream with fetch (EventSource can neither POST nor
// send a bearer header), renders ten panels, the tension map and the totals, and resumes a broken stream from the
// last event id with the session's resume token. Agent text is untrusted: it is only ever set as text.

import { readEventStream } from "./sse.js";

const KEY_STORAGE = "consilium.key";
const MAX_QUESTION = 8000;
const MAX_RESUME_ATTEMPTS = 6;
const STANCE_OPEN = "<stance>";
const ROSTER_IDS = ["vasquez", "webb", "chen", "okafor", "mitchell", "nakamura", "diallo", "harlow", "deleon", "cross"];
const POSITIONS = [
  [-2, "Strongly against"],
  [-1, "Against"],
  [0, "Undecided"],
  [1, "For"],
  [2, "Strongly for"],
];
const POSITION_LABEL = new Map(POSITIONS);

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("ask-form"),
  key: $("key"),
  keyToggle: $("key-toggle"),
  question: $("question"),
  questionCount: $("question-count"),
  picker: $("agent-picker"),
  agentList: $("agent-list"),
  agentCount: $("agent-count"),
  agentsNote: $("agents-note"),
  synthesis: $("synthesis"),
  ask: $("ask"),
  stop: $("stop"),
  problem: $("problem"),
  status: $("status"),
  panels: $("panels"),
  tension: $("tension"),
  heatmap: $("heatmap"),
  consensusValue: $("consensus-value"),
  consensusGauge: $("consensus-gauge"),
  coalitions: $("coalitions"),
  outliers: $("outliers"),
  missing: $("missing"),
  axes: $("axes"),
  synthesisText: $("synthesis-text"),
  totals: $("totals"),
  totalsList: $("totals-list"),
};

/** What we know of each agent: id → {id, name, domain, summary?, healthy?}. */
const agents = new Map(ROSTER_IDS.map((id) => [id, { id, name: id, domain: "" }]));

/** The council being shown (null before the first question). */
let run = null;

// ---------------------------------------------------------------------------------------------------------------
// Small DOM helpers: children are nodes or strings, and strings always become text nodes.

function el(tag, props = {}, ...children) {
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

const formatInt = new Intl.NumberFormat("en");
const formatUsd = new Intl.NumberFormat("en", { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 6 });
const formatPercent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 0 });

function seconds(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

function signed(n) {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0";
}

function nameOf(id) {
  return agents.get(id)?.name ?? id;
}

/** "Dr. Elena Vasquez" → "Vasquez", "Isabel de León" → "de León": short enough for a matrix header. */
function shortName(id) {
  const words = nameOf(id).replace(/^(Dr|Prof|Mr|Ms|Mrs)\.?\s+/u, "").split(/\s+/u);
  return words.length > 1 ? words.slice(1).join(" ") : words[0];
}

function setStatus(text) {
  ui.status.textContent = text;
}

function showProblem(title, detail) {
  ui.problem.replaceChildren(el("strong", { text: title }), detail ? el("span", { text: ` ${detail}` }) : "");
  ui.problem.hidden = false;
}

function clearProblem() {
  ui.problem.hidden = true;
  ui.problem.replaceChildren();
}

// ---------------------------------------------------------------------------------------------------------------
// The key, the question and the agent picker.

function bearerKey() {
  return ui.key.value.trim();
}

function restoreKey() {
  try {
    ui.key.value = sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    // storage disabled: the key then lives in the field only
  }
}

function storeKey() {
  try {
    if (bearerKey()) sessionStorage.setItem(KEY_STORAGE, bearerKey());
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled
  }
}

function updateQuestionCount() {
  const n = ui.question.value.length;
  ui.questionCount.textContent = `${formatInt.format(n)} / ${formatInt.format(MAX_QUESTION)} characters`;
  ui.questionCount.classList.toggle("over", n > MAX_QUESTION);
}

function renderAgentPicker() {
  const checked = new Set(selectedAgents() ?? ROSTER_IDS);
  ui.agentList.replaceChildren(
    ...ROSTER_IDS.map((id) => {
      const agent = agents.get(id);
      const health = agent.healthy === false ? el("span", { class: "unhealthy", text: "unreachable" }) : null;
      return el(
        "li",
        {},
        el(
          "label",
          { title: agent.summary ?? "" },
          el("input", { type: "checkbox", value: id, checked: checked.has(id) }),
          el("span", { class: "agent-name", text: agent.name }),
          agent.domain ? el("span", { class: "agent-domain", text: agent.domain }) : null,
          health,
        ),
      );
    }),
  );
  updateAgentCount();
}

/** The ids checked in the picker, or null when the picker has not been drawn (then all ten). */
function selectedAgents() {
  const boxes = [...ui.agentList.querySelectorAll("input[type=checkbox]")];
  return boxes.length === 0 ? null : boxes.filter((box) => box.checked).map((box) => box.value);
}

function updateAgentCount() {
  const selected = selectedAgents() ?? ROSTER_IDS;
  ui.agentCount.textContent = selected.length === ROSTER_IDS.length ? "all ten" : `${selected.length} of ${ROSTER_IDS.length}`;
}

let agentsRequest = 0;

/** GET /api/agents with the key: names, domains, summaries and health for the picker. */
async function loadAgents() {
  const key = bearerKey();
  const ticket = ++agentsRequest;
  if (!key) {
    ui.agentsNote.textContent = "Enter the key to see names and health.";
    return;
  }
  try {
    const response = await fetch("/api/agents", { headers: { Authorization: `Bearer ${key}`, Accept: "application/json" } });
    if (ticket !== agentsRequest) return;
    if (!response.ok) {
      const problem = await readProblem(response);
      ui.agentsNote.textContent = `Could not list the agents: ${problem.detail ?? problem.title}`;
      return;
    }
    const body = await response.json();
    for (const agent of body.agents ?? []) {
      if (agents.has(agent.id)) agents.set(agent.id, { ...agents.get(agent.id), ...agent });
    }
    const down = (body.agents ?? []).filter((agent) => agent.healthy === false).length;
    ui.agentsNote.textContent = down === 0 ? "All agents reachable." : `${down} agent${down === 1 ? "" : "s"} not reachable right now.`;
    renderAgentPicker();
  } catch {
    if (ticket === agentsRequest) ui.agentsNote.textContent = "Could not reach the server to list the agents.";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Problems (RFC 9457) from the API.

async function readProblem(response) {
  let body = {};
  const type = response.headers.get("Content-Type") ?? "";
  try {
    if (type.includes("json")) body = await response.json();
    else {
      const text = await response.text();
      body = { detail: text.slice(0, 500) };
    }
  } catch {
    // an unreadable body: fall back to the status line
  }
  return {
    status: body.status ?? response.status,
    title: body.title ?? response.statusText ?? "Request failed",
    detail: body.detail ?? null,
    retryAfter: response.headers.get("Retry-After"),
  };
}

function showApiProblem(problem) {
  let detail = problem.detail ?? "";
  if (problem.status === 429 && problem.retryAfter) {
    detail = `${detail} Try again in ${problem.retryAfter} s.`.trim();
  }
  showProblem(`${problem.title} (${problem.status}).`, detail);
  if (problem.status === 401) ui.key.focus();
}

// ---------------------------------------------------------------------------------------------------------------
// One agent's panel.

class Panel {
  constructor(id) {
    this.id = id;
    this.raw = "";
    this.shown = "";
    this.text = document.createTextNode("");
    const nameId = `panel-${id}-name`;
    this.name = el("h3", { id: nameId, text: nameOf(id) });
    this.domain = el("p", { class: "domain", text: agents.get(id)?.domain ?? "" });
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
    if (this.root.dataset.status === "waiting" || this.root.dataset.status === "retrying") this.setStatus("streaming", "answering");
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

  done(data) {
    const box = this.answer;
    const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    this.model.textContent = data.model;
    // A parsed stance replaces its block; an unreadable one leaves the text as written, block and all.
    this.render(data.stance ? withoutStance(this.raw) : this.raw);
    this.setStatus("done", data.stance ? "done" : "done, no stance");
    if (following) box.scrollTop = 0; // it was followed to its end while written: now offer it from the start
    this.stance.replaceChildren(...(data.stance ? stanceView(data.stance) : [el("p", { class: "hint", text: "No readable stance block: left out of the tension map." })]));
    this.stance.hidden = false;
    const usage = data.usage ?? {};
    this.metrics.replaceChildren(
      ...metric("First token", seconds(data.ttftMs)),
      ...metric("Duration", seconds(data.durationMs)),
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

/** The stance as a labelled −2..2 scale, confidence, summary and topics. */
function stanceView(stance) {
  const position = Math.max(-2, Math.min(2, Math.round(Number(stance.position) || 0)));
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

// ---------------------------------------------------------------------------------------------------------------
// The tension map and the totals.

function renderTensionMap(map) {
  const ids = map.agents ?? [];
  const head = el("thead", {}, el("tr", {}, el("td", { class: "corner" }), ...ids.map((id) => el("th", { scope: "col", title: nameOf(id), text: shortName(id) }))));
  const body = el(
    "tbody",
    {},
    ...ids.map((row, i) =>
      el(
        "tr",
        {},
        el("th", { scope: "row", title: nameOf(row), text: shortName(row) }),
        ...ids.map((column, j) => {
          const d = Number(map.matrix?.[i]?.[j] ?? 0);
          const cell = el("td", {
            class: i === j ? "self" : d >= 0.5 ? "hot" : undefined,
            title: i === j ? nameOf(row) : `${nameOf(row)} vs ${nameOf(column)}: ${d.toFixed(2)}`,
            text: i === j ? "·" : d.toFixed(2),
          });
          cell.style.setProperty("--d", String(Math.max(0, Math.min(1, d))));
          return cell;
        }),
      ),
    ),
  );
  const caption = ui.heatmap.querySelector("caption");
  ui.heatmap.replaceChildren(caption, head, body);

  const consensus = Math.max(0, Math.min(1, Number(map.consensus) || 0));
  ui.consensusValue.textContent = formatPercent.format(consensus);
  ui.consensusGauge.setAttribute("aria-valuenow", String(Math.round(consensus * 100)));
  ui.consensusGauge.setAttribute("aria-valuetext", `${formatPercent.format(consensus)} consensus`);
  ui.consensusGauge.style.setProperty("--value", String(consensus));

  ui.coalitions.replaceChildren(...groupList(map.coalitions ?? [], "No coalitions: nobody agrees closely enough."));
  ui.outliers.replaceChildren(...chips(map.outliers ?? [], "None"));
  ui.missing.replaceChildren(...chips(map.missing ?? [], "None"));

  const axes = map.axes ?? [];
  ui.axes.replaceChildren(
    ...(axes.length
      ? axes.map((axis) =>
          el(
            "li",
            { class: "axis" },
            el("p", { class: "axis-topic", text: axis.topic }),
            el("div", { class: "sides" }, el("div", { class: "side for" }, el("span", { class: "side-label", text: "For" }), ...chips(axis.for ?? [], "nobody")), el("div", { class: "side against" }, el("span", { class: "side-label", text: "Against" }), ...chips(axis.against ?? [], "nobody"))),
            el("p", { class: "crux" }, el("strong", { text: "Crux: " }), axis.crux ?? ""),
          ),
        )
      : [el("li", { class: "hint", text: "No axes: the council split on nothing, or no synthesis was written." })]),
  );
  if (typeof map.synthesis === "string" && map.synthesis.length > 0) {
    ui.synthesisText.textContent = map.synthesis;
    ui.synthesisText.classList.remove("drafting", "absent");
  } else {
    ui.synthesisText.textContent = run?.synthesisAsked === false ? "Synthesis was turned off for this question." : "No synthesis: the synthesis call failed, timed out or wrote something unusable.";
    ui.synthesisText.classList.remove("drafting");
    ui.synthesisText.classList.add("absent");
  }
  ui.tension.hidden = false;
  ui.tension.dataset.complete = "true";
}

function chips(ids, empty) {
  if (ids.length === 0) return [el("span", { class: "hint", text: empty })];
  return ids.map((id) => el("span", { class: "chip", title: agents.get(id)?.domain ?? "", text: nameOf(id) }));
}

function groupList(groups, empty) {
  if (groups.length === 0) return [el("span", { class: "hint", text: empty })];
  return [el("ul", { class: "coalitions" }, ...groups.map((group) => el("li", {}, ...chips(group, ""))))];
}

/** The synthesis is written as JSON; while it streams, show the "synthesis" string as far as it has arrived. */
function draftSynthesis(raw) {
  const match = /"synthesis"\s*:\s*"/u.exec(raw);
  if (!match) return null;
  let text = "";
  for (let i = match.index + match[0].length; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') break;
    if (c !== "\\") {
      text += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) break;
    if (next === "u") {
      const hex = raw.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/u.test(hex)) break;
      text += String.fromCharCode(parseInt(hex, 16));
      i += 5;
    } else {
      text += { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" }[next] ?? next;
      i += 1;
    }
  }
  return text;
}

function renderTotals(data) {
  const usage = data.usage ?? {};
  const succeeded = data.succeeded ?? [];
  const failed = data.failed ?? [];
  const stat = (term, value) => el("div", { class: "stat" }, el("dt", { text: term }), el("dd", { text: value }));
  ui.totalsList.replaceChildren(
    stat("Answered", `${succeeded.length} of ${succeeded.length + failed.length}`),
    failed.length ? stat("Failed", failed.map(nameOf).join(", ")) : "",
    stat("Input tokens", formatInt.format(usage.input_tokens ?? 0)),
    stat("Output tokens", formatInt.format(usage.output_tokens ?? 0)),
    stat("Cache write / read", `${formatInt.format(usage.cache_creation_input_tokens ?? 0)} / ${formatInt.format(usage.cache_read_input_tokens ?? 0)}`),
    stat("Cost", formatUsd.format(Number(data.costUsd ?? 0))),
    stat("Cache savings", formatUsd.format(Number(data.cacheSavingsUsd ?? 0))),
    stat("Duration", seconds(data.durationMs)),
  );
  ui.totals.hidden = false;
}

// ---------------------------------------------------------------------------------------------------------------
// One council: the request, its events, and resuming a stream that broke.

class CouncilRun {
  constructor(ids, synthesisAsked) {
    this.controller = new AbortController();
    this.synthesisAsked = synthesisAsked;
    this.sessionId = null;
    this.resumeToken = null;
    this.lastEventId = 0;
    this.terminal = false;
    this.synthesisRaw = "";
    this.panels = new Map();
    ui.panels.replaceChildren();
    this.setPanels(ids);
  }

  setPanels(ids) {
    for (const id of ids) {
      if (!this.panels.has(id)) {
        const panel = new Panel(id);
        this.panels.set(id, panel);
        ui.panels.append(panel.root);
      }
    }
    for (const [id, panel] of this.panels) {
      if (!ids.includes(id)) {
        panel.root.remove();
        this.panels.delete(id);
      }
    }
  }

  get aborted() {
    return this.controller.signal.aborted;
  }

  counts() {
    let done = 0;
    let failed = 0;
    for (const panel of this.panels.values()) {
      if (panel.root.dataset.status === "done") done++;
      if (panel.root.dataset.status === "failed") failed++;
    }
    return { done, failed, total: this.panels.size };
  }

  progress() {
    const { done, failed, total } = this.counts();
    const settled = done + failed;
    return settled < total ? `${settled} of ${total} experts finished${failed ? ` (${failed} failed)` : ""}…` : "Every expert has finished; mapping the tension…";
  }

  /** Handles one event; an event already seen (by id) is skipped, so a resumed stream never duplicates text. */
  handle(event) {
    if (run !== this) return; // a newer question replaced this one
    const id = Number(event.id);
    if (Number.isInteger(id) && id > 0) {
      if (id <= this.lastEventId) return;
      this.lastEventId = id;
    }
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return; // not ours to show
    }
    switch (event.type) {
      case "session":
        this.sessionId = data.sessionId;
        this.resumeToken = data.resumeToken;
        for (const agent of data.agents ?? []) {
          agents.set(agent.id, { ...(agents.get(agent.id) ?? {}), ...agent });
        }
        this.setPanels((data.agents ?? []).map((agent) => agent.id));
        for (const agent of data.agents ?? []) this.panels.get(agent.id)?.setAgent(agents.get(agent.id));
        setStatus("The council is answering…");
        break;
      case "agent_start":
        this.panels.get(data.agent)?.start(data.model);
        break;
      case "delta":
        this.panels.get(data.agent)?.append(data.text ?? "");
        break;
      case "retry":
        this.panels.get(data.agent)?.retry(data);
        break;
      case "agent_done":
        this.panels.get(data.agent)?.done(data);
        setStatus(this.progress());
        break;
      case "agent_error":
        this.panels.get(data.agent)?.fail(data);
        setStatus(this.progress());
        break;
      case "synthesis_delta":
        this.synthesisRaw += data.text ?? "";
        ui.tension.hidden = false;
        ui.synthesisText.classList.add("drafting");
        ui.synthesisText.textContent = draftSynthesis(this.synthesisRaw) ?? "The synthesis is being written…";
        setStatus("Writing the synthesis…");
        break;
      case "tension_map":
        renderTensionMap(data);
        break;
      case "done":
        this.terminal = true;
        renderTotals(data);
        finish("done", `Done in ${seconds(data.durationMs)}.`);
        break;
      case "error":
        this.terminal = true;
        showProblem(`The council could not finish (${data.code}).`, data.message ?? "");
        finish("error", "The council stopped with an error.");
        break;
      default:
        break; // an event this page does not know yet
    }
  }

  async start(body) {
    const key = bearerKey();
    let response;
    try {
      response = await fetch("/api/consilium", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
        signal: this.controller.signal,
        cache: "no-store",
      });
    } catch {
      if (!this.aborted) fail("Could not reach the Consilium server.", "Check that it is running and try again.");
      return;
    }
    if (!response.ok) {
      showApiProblem(await readProblem(response));
      finish("error", "");
      return;
    }
    if (!(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
      fail("Unexpected answer from the server.", `Expected an event stream, got ${response.headers.get("Content-Type") ?? "nothing"}.`);
      return;
    }
    this.sessionId = response.headers.get("Consilium-Session");
    await this.follow(response);
    await this.resumeUntilDone();
  }

  async follow(response) {
    try {
      await readEventStream(response, (event) => this.handle(event));
    } catch {
      // the connection broke (or was aborted): resumeUntilDone decides
    }
  }

  async resumeUntilDone() {
    let attempt = 0;
    while (!this.terminal && !this.aborted) {
      if (!this.sessionId || !this.resumeToken) {
        fail("The connection broke before the council started.", "Ask again.");
        return;
      }
      attempt++;
      if (attempt > MAX_RESUME_ATTEMPTS) {
        fail("The connection to the council was lost.", `Gave up after ${MAX_RESUME_ATTEMPTS} attempts to resume; ask again.`);
        return;
      }
      document.body.dataset.state = "resuming";
      setStatus(`Connection lost; resuming after event ${this.lastEventId} (attempt ${attempt} of ${MAX_RESUME_ATTEMPTS})…`);
      await delay(Math.min(250 * 2 ** (attempt - 1), 4000), this.controller.signal);
      if (this.aborted) return;
      const url = `/api/consilium/sessions/${encodeURIComponent(this.sessionId)}/events?resume=${encodeURIComponent(this.resumeToken)}&lastEventId=${this.lastEventId}`;
      let response;
      try {
        response = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: this.controller.signal, cache: "no-store" });
      } catch {
        continue; // not reachable yet: try again
      }
      if (response.status === 204) {
        fail("The council has already finished.", "Its final event did not reach this page; ask again to see the totals.");
        return;
      }
      if (!response.ok) {
        const problem = await readProblem(response);
        if (problem.status >= 500 || problem.status === 429) continue;
        showApiProblem(problem);
        finish("error", "Could not resume the council.");
        return;
      }
      document.body.dataset.state = "streaming";
      setStatus("Resumed.");
      const before = this.lastEventId;
      await this.follow(response);
      if (this.lastEventId > before) attempt = 0; // progress: the next break starts counting afresh
    }
  }
}

function delay(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function fail(title, detail) {
  showProblem(title, detail);
  finish("error", "");
}

function finish(state, status) {
  document.body.dataset.state = state;
  if (status !== undefined) setStatus(status);
  ui.ask.disabled = false;
  ui.stop.disabled = true;
}

// ---------------------------------------------------------------------------------------------------------------
// Asking.

function validate() {
  const question = ui.question.value;
  if (!bearerKey()) return ["The access key is missing.", "Paste the key that ./run printed.", ui.key];
  if (question.trim().length === 0) return ["The question is empty.", "Write a question of up to 8000 characters.", ui.question];
  if (question.length > MAX_QUESTION) return ["The question is too long.", `It has ${question.length} characters; at most ${MAX_QUESTION} are allowed.`, ui.question];
  const selected = selectedAgents();
  if (selected !== null && selected.length === 0) return ["No agent is selected.", "Pick at least one agent, or All.", ui.picker];
  return null;
}

async function ask() {
  clearProblem();
  const invalid = validate();
  if (invalid) {
    const [title, detail, field] = invalid;
    showProblem(title, detail);
    if (field === ui.picker) ui.picker.open = true;
    field.focus();
    return;
  }
  storeKey();
  const selected = selectedAgents();
  const body = { message: ui.question.value, synthesis: ui.synthesis.checked };
  if (selected !== null && selected.length < ROSTER_IDS.length) body.agents = selected;

  run?.controller.abort();
  ui.tension.hidden = true;
  delete ui.tension.dataset.complete;
  ui.synthesisText.textContent = "";
  ui.synthesisText.classList.remove("drafting", "absent");
  ui.totals.hidden = true;
  ui.totalsList.replaceChildren();
  document.body.dataset.state = "streaming";
  ui.ask.disabled = true;
  ui.stop.disabled = false;
  setStatus("Asking the council…");

  const current = new CouncilRun(selected ?? ROSTER_IDS, ui.synthesis.checked);
  run = current;
  await current.start(body);
}

function stop() {
  if (!run || run.terminal) return;
  run.controller.abort();
  finish("stopped", "Stopped. The council is cancelled on the server if nobody resumes it within 30 s.");
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring.

restoreKey();
updateQuestionCount();
renderAgentPicker();
loadAgents();

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  ask();
});
ui.question.addEventListener("input", updateQuestionCount);
ui.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.key.addEventListener("input", storeKey);
ui.key.addEventListener("change", loadAgents);
ui.keyToggle.addEventListener("click", () => {
  const show = ui.key.type === "password";
  ui.key.type = show ? "text" : "password";
  ui.keyToggle.textContent = show ? "Hide" : "Show";
  ui.keyToggle.setAttribute("aria-pressed", String(show));
});
ui.agentList.addEventListener("change", updateAgentCount);
$("agents-all").addEventListener("click", () => {
  for (const box of ui.agentList.querySelectorAll("input[type=checkbox]")) box.checked = true;
  updateAgentCount();
});
$("agents-none").addEventListener("click", () => {
  for (const box of ui.agentList.querySelectorAll("input[type=checkbox]")) box.checked = false;
  updateAgentCount();
});
ui.stop.addEventListener("click", stop);
