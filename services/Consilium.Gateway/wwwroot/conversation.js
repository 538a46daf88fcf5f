// A conversation with the council (docs/api.md#conversations): its rounds as tabs, each keeping its own panels, map,
// synthesis and totals; the follow-up box (everyone again, one coalition, the outliers, chosen experts, or a rebuttal
// round); the crux follow-ups; Stop for the running round; export; and coming back after a reload (the running round
// is resumed with its token from its first event, earlier rounds are read from the transcript).

import { $, clearProblem, el, seconds, setStatus, showProblem } from "./dom.js";
import { CouncilStream, bearerKey, download, getJson, showApiProblem, stopSession } from "./api.js";
import { learnAgents, nameOf } from "./roster.js";
import { Panel } from "./panels.js";
import { clearMap, clearTotals, renderTensionMap, renderTotals, setCruxDisabled, showSynthesisDraft } from "./map.js";
import { MAX_QUESTION, agentCheckboxes, checkedIn, submitOnCtrlEnter, ui as form, updateCount } from "./form.js";

const STATE_STORAGE = "consilium.conversation";

const ui = {
  rounds: $("rounds"),
  tabs: $("round-tabs"),
  view: $("round-view"),
  question: $("round-question"),
  panels: $("panels"),
  exportMarkdown: $("export-markdown"),
  exportJson: $("export-json"),
  followUp: $("follow-up"),
  followUpForm: $("follow-up-form"),
  followUpQuestion: $("follow-up-question"),
  followUpCount: $("follow-up-count"),
  followUpHelp: $("follow-up-help"),
  everyone: $("audience-everyone"),
  everyoneLabel: $("audience-everyone-label"),
  coalition: $("audience-coalition"),
  coalitionChoice: $("follow-up-coalition"),
  outliers: $("audience-outliers"),
  outliersLabel: $("audience-outliers-label"),
  chosen: $("audience-chosen"),
  experts: $("follow-up-experts"),
  rebuttal: $("mode-rebuttal"),
  send: $("follow-up-ask"),
  note: $("follow-up-note"),
};

/** The conversation on the page: its id, its roster (round 1's agents), its rounds, the one shown and the one running. */
const conversation = { id: null, roster: [], rounds: [], shown: null, running: null };

class Round {
  constructor({ number, mode = "ask", question = null, agents, synthesisAsked }) {
    this.number = number;
    this.mode = mode;
    this.question = question;
    this.agents = agents;
    this.synthesisAsked = synthesisAsked;
    this.panels = new Map();
    this.map = null;
    this.synthesisRaw = "";
    this.totals = null;
    this.state = "streaming";
    this.stream = null;
    this.stopping = false;
    this.discarded = false;
    this.tab = el("button", { type: "button", role: "tab", id: `round-tab-${number}`, "aria-controls": "round-view", "aria-selected": "false", tabindex: "-1" });
    this.tab.addEventListener("click", () => show(this));
    this.setPanels(agents);
    this.label();
  }

  get shown() {
    return conversation.shown === this;
  }

  get running() {
    return conversation.running === this;
  }

  label() {
    this.tab.id = `round-tab-${this.number}`;
    this.tab.dataset.round = String(this.number);
    this.tab.dataset.state = this.state;
    const state = { streaming: "running", done: "", error: "failed", stopped: "stopped" }[this.state] ?? "";
    this.tab.replaceChildren(
      ...[
        el("span", { class: "tab-title", text: `Round ${this.number}` }),
        this.mode === "rebuttal" ? el("span", { class: "tab-mode", text: "rebuttal" }) : null,
        state ? el("span", { class: "tab-state", text: state }) : null,
      ].filter(Boolean),
    );
  }

  /** "Follow-up to Vasquez, Diallo and Cross: Who pays?" — what this round asked of whom. */
  describe() {
    const everyone = conversation.roster.length > 0 && this.agents.length === conversation.roster.length;
    const who = everyone || this.agents.length === 0 ? "everyone" : this.agents.map(nameOf).join(", ");
    const kind = this.number === 1 ? "Asked of" : this.mode === "rebuttal" ? "Rebuttal round of" : "Follow-up to";
    return this.question ? `${kind} ${who}: ${this.question}` : `${kind} ${who}.`;
  }

  setPanels(ids) {
    for (const id of ids) {
      if (!this.panels.has(id)) this.panels.set(id, new Panel(id));
    }
    for (const id of [...this.panels.keys()]) {
      if (!ids.includes(id)) this.panels.delete(id);
    }
    // keep the order of ids
    this.panels = new Map(ids.map((id) => [id, this.panels.get(id)]));
    if (this.shown) ui.panels.replaceChildren(...[...this.panels.values()].map((panel) => panel.root));
  }

  counts() {
    let done = 0;
    let failed = 0;
    for (const panel of this.panels.values()) {
      if (panel.status === "done") done++;
      if (panel.status === "failed") failed++;
    }
    return { done, failed, total: this.panels.size };
  }

  progress() {
    const { done, failed, total } = this.counts();
    const settled = done + failed;
    return settled < total ? `${settled} of ${total} experts finished${failed ? ` (${failed} failed)` : ""}…` : "Every expert has finished; mapping the tension…";
  }

  status(text) {
    if (this.running) setStatus(text);
  }

  // The CouncilStream host ------------------------------------------------------------------------------------

  event(type, data) {
    if (this.discarded) return; // a newer question replaced this one
    switch (type) {
      case "session": {
        learnAgents(data.agents);
        const ids = (data.agents ?? []).map((agent) => agent.id);
        this.setPanels(ids);
        for (const id of ids) this.panels.get(id)?.setAgent({ name: nameOf(id), domain: data.agents.find((a) => a.id === id)?.domain ?? "" });
        if (Number.isInteger(data.round)) this.number = data.round;
        if (typeof data.mode === "string") this.mode = data.mode;
        this.agents = ids;
        if (typeof data.conversationId === "string" && data.conversationId) {
          if (this.number === 1 || !conversation.id) conversation.roster = ids;
          conversation.id = data.conversationId;
        }
        this.label();
        if (this.shown) ui.question.textContent = this.describe();
        persist();
        refreshChrome();
        this.status("The council is answering…");
        break;
      }
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
        this.status(this.progress());
        break;
      case "agent_error":
        this.panels.get(data.agent)?.fail(data);
        this.status(this.progress());
        break;
      case "synthesis_delta":
        this.synthesisRaw += data.text ?? "";
        if (this.shown && !this.map) showSynthesisDraft(this.synthesisRaw);
        this.status("Writing the synthesis…");
        break;
      case "tension_map":
        this.map = data;
        if (this.shown) {
          renderMap(this);
          refreshFollowUp();
        }
        break;
      case "done":
        this.totals = data;
        if (this.shown) renderTotals(data);
        this.finish("done", `Done in ${seconds(data.durationMs)}.`);
        break;
      case "error":
        if (data.code === "cancelled" && this.stopping) {
          // Stopped with the Stop button: what the council had spent until then.
          if (data.usage) {
            this.totals = { usage: data.usage, costUsd: data.costUsd, cacheSavingsUsd: 0, durationMs: null };
            if (this.shown) renderTotals(this.totals);
          }
          this.finish("stopped", "Stopped: every call of the council was cancelled.");
          break;
        }
        if (this.running) showProblem(`The council could not finish (${data.code}).`, data.message ?? "");
        this.finish("error", "The council stopped with an error.");
        break;
      default:
        break; // an event this page does not know yet
    }
  }

  resuming(note) {
    if (this.discarded) return;
    if (this.running) document.body.dataset.state = "resuming";
    this.status(note);
  }

  resumed() {
    if (this.discarded) return;
    if (this.running) document.body.dataset.state = "streaming";
    this.status("Resumed.");
  }

  failed(title, detail) {
    if (this.discarded) return;
    if (this.running) showProblem(title, detail);
    this.finish("error", "");
  }

  refused(problem, note) {
    if (this.discarded) return;
    if (this.running) showApiProblem(problem);
    // A follow-up the API refused before it started (409: a round still runs, or the limit) leaves no round behind.
    if (this.number > 1 && !this.stream?.sessionId && conversation.rounds.includes(this)) {
      this.discarded = true;
      conversation.rounds = conversation.rounds.filter((round) => round !== this);
      this.tab.remove();
      conversation.running = null;
      finishPage("error", note);
      show(conversation.rounds.at(-1));
      refreshChrome();
      return;
    }
    this.finish("error", note);
  }

  finish(state, status) {
    this.state = state;
    this.label();
    if (this.running) {
      conversation.running = null;
      finishPage(state, status);
    }
    persist();
    refreshChrome();
  }

  /** Shows this round in the shared view: its panels, its map (or its synthesis as far as written), its totals. */
  render() {
    ui.panels.replaceChildren(...[...this.panels.values()].map((panel) => panel.root));
    ui.question.textContent = this.describe();
    if (this.map) renderMap(this);
    else {
      clearMap();
      if (this.synthesisRaw) showSynthesisDraft(this.synthesisRaw);
    }
    if (this.totals) renderTotals(this.totals);
    else clearTotals();
  }

  /** A finished round as the transcript keeps it (answers, stances, map, synthesis, usage; no timings). */
  static fromTranscript(round) {
    const asked = Array.isArray(round.agents) ? round.agents : [];
    const view = new Round({ number: round.round, mode: round.mode ?? "ask", question: round.question ?? null, agents: asked, synthesisAsked: null });
    const answers = new Map((round.answers ?? []).map((answer) => [answer.agent, answer]));
    for (const [id, panel] of view.panels) {
      const answer = answers.get(id);
      if (answer?.text) panel.append(answer.text);
      if (answer?.droppedExchanges > 0) panel.note(`${answer.droppedExchanges} earlier exchange${answer.droppedExchanges === 1 ? " was" : "s were"} left out of this expert's thread (AGENT_THREAD_MAX_TOKENS).`);
      if (answer?.succeeded) panel.done({ model: answer.model, stance: answer.stance, usage: answer.usage });
      else panel.fail({ code: round.outcome === "done" ? "failed" : round.outcome, message: "This expert did not finish this round." });
    }
    view.map = round.tensionMap ?? null;
    const succeeded = (round.answers ?? []).filter((answer) => answer.succeeded).map((answer) => answer.agent);
    const started = Date.parse(round.startedAt);
    const finished = Date.parse(round.finishedAt);
    view.totals = {
      succeeded,
      failed: asked.filter((id) => !succeeded.includes(id)),
      usage: round.usage,
      costUsd: round.costUsd,
      cacheSavingsUsd: round.cacheSavingsUsd,
      durationMs: Number.isFinite(started) && Number.isFinite(finished) ? finished - started : null,
    };
    view.state = round.outcome === "done" ? "done" : round.outcome === "cancelled" ? "stopped" : "error";
    view.sessionId = round.sessionId;
    view.label();
    return view;
  }
}

function renderMap(round) {
  renderTensionMap(round.map, { synthesisAsked: round.synthesisAsked, onCrux: askCrux, cruxDisabled: followUpBlocked() });
}

// ---------------------------------------------------------------------------------------------------------------
// The page's state follows the running round.

function finishPage(state, status) {
  document.body.dataset.state = state;
  if (status !== undefined) setStatus(status);
  form.ask.disabled = false;
  form.stop.disabled = true;
}

function startPage() {
  clearProblem();
  document.body.dataset.state = "streaming";
  form.ask.disabled = true;
  form.stop.disabled = false;
}

function show(round) {
  if (!round) return;
  conversation.shown = round;
  for (const other of conversation.rounds) {
    const selected = other === round;
    other.tab.setAttribute("aria-selected", String(selected));
    other.tab.tabIndex = selected ? 0 : -1;
  }
  ui.view.setAttribute("aria-labelledby", round.tab.id);
  round.render();
  refreshFollowUp();
}

function addRound(round) {
  conversation.rounds.push(round);
  ui.tabs.append(round.tab);
}

/** Tabs, exports and the follow-up box appear once the council has a conversation id. */
function refreshChrome() {
  const has = Boolean(conversation.id);
  ui.rounds.hidden = !has;
  if (has) ui.rounds.dataset.conversation = conversation.id;
  else delete ui.rounds.dataset.conversation;
  ui.followUp.hidden = !has;
  if (has) ui.view.setAttribute("role", "tabpanel");
  else ui.view.removeAttribute("role");
  ui.exportMarkdown.disabled = ui.exportJson.disabled = !has;
  refreshFollowUp();
}

/** Why no round can be started now, or null. */
function followUpBlocked() {
  if (!conversation.id) return "This council has no conversation to follow up.";
  if (conversation.running) return `Round ${conversation.running.number} is still running; follow up when it has finished.`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Asking: a new conversation from the ask form, or the next round from the follow-up box or a crux.

/** Starts a new conversation (round 1); `ids` are the agents whose panels to show before the stream names them. */
export async function askNew(body, ids) {
  for (const round of conversation.rounds) {
    round.discarded = true;
    round.stream?.abort();
  }
  conversation.rounds = [];
  conversation.id = null;
  conversation.roster = [];
  ui.tabs.replaceChildren();
  const round = new Round({ number: 1, question: body.message, agents: ids, synthesisAsked: body.synthesis !== false });
  addRound(round);
  conversation.running = round;
  startPage();
  setStatus("Asking the council…");
  show(round);
  persist();
  refreshChrome();
  round.stream = new CouncilStream(round);
  await round.stream.start(body);
}

/** Starts the next round of this conversation with the body (conversationId is added here). */
async function askRound(body) {
  const blocked = followUpBlocked();
  if (blocked) {
    showProblem("No follow-up now.", blocked);
    return;
  }
  const number = Math.max(0, ...conversation.rounds.map((round) => round.number)) + 1;
  const agents = body.agents ?? conversation.roster;
  const round = new Round({ number, mode: body.mode ?? "ask", question: body.message ?? null, agents, synthesisAsked: body.synthesis !== false });
  addRound(round);
  conversation.running = round;
  startPage();
  setStatus(body.mode === "rebuttal" ? "Starting the rebuttal round…" : "Asking the follow-up…");
  show(round);
  refreshChrome();
  round.tab.focus();
  round.stream = new CouncilStream(round);
  await round.stream.start({ conversationId: conversation.id, ...body });
}

function askCrux(axis) {
  const followUp = axis.followUp;
  askRound({ message: followUp.message, agents: [...followUp.agents], synthesis: form.synthesis.checked });
}

/**
 * Stop is not disconnect: DELETE /api/consilium/sessions/{id} cancels the running round on the server, and its stream
 * ends with `error` "cancelled" carrying what was spent. Without a session yet, or when the DELETE fails or no
 * terminal event follows within 5 s, the page just stops reading.
 */
export async function stop() {
  const round = conversation.running;
  if (!round || !round.stream || round.stream.terminal) return;
  form.stop.disabled = true;
  const abandon = () => {
    if (round.stream.terminal || conversation.running !== round) return;
    round.stream.abort();
    round.state = "stopped";
    round.label();
    conversation.running = null;
    finishPage("stopped", "Stopped reading. The council is cancelled on the server if nobody resumes it within 30 s.");
    persist();
    refreshChrome();
  };
  if (!round.stream.sessionId) return abandon();
  round.stopping = true;
  setStatus("Stopping the council…");
  if (!(await stopSession(round.stream.sessionId))) return abandon();
  setTimeout(abandon, 5000);
}

// ---------------------------------------------------------------------------------------------------------------
// The follow-up box.

function audience() {
  return [ui.everyone, ui.coalition, ui.outliers, ui.chosen].find((radio) => radio.checked)?.value ?? "everyone";
}

/** Fills the box from the shown round's map (its coalitions and outliers) and the conversation's roster. */
function refreshFollowUp() {
  const map = conversation.shown?.map ?? null;
  const source = conversation.shown ? `round ${conversation.shown.number}` : "";
  const roster = conversation.roster;
  ui.everyoneLabel.textContent = `Everyone (${roster.length})`;

  const coalitions = map?.coalitions ?? [];
  const chosenCoalition = ui.coalitionChoice.value;
  ui.coalitionChoice.replaceChildren(
    ...(coalitions.length
      ? coalitions.map((group, i) => el("option", { value: String(i) }, `${group.map(nameOf).join(", ")}`))
      : [el("option", { value: "" }, `no coalition in ${source || "the map"}`)]),
  );
  if ([...ui.coalitionChoice.options].some((option) => option.value === chosenCoalition)) ui.coalitionChoice.value = chosenCoalition;
  ui.coalition.disabled = ui.coalitionChoice.disabled = coalitions.length === 0;

  const outliers = map?.outliers ?? [];
  ui.outliers.disabled = outliers.length === 0;
  ui.outliersLabel.textContent = outliers.length ? `The outliers: ${outliers.map(nameOf).join(", ")}` : `The outliers (none in ${source || "the map"})`;
  if ((ui.coalition.checked && ui.coalition.disabled) || (ui.outliers.checked && ui.outliers.disabled)) ui.everyone.checked = true;

  const checked = new Set(checkedIn(ui.experts));
  const drawn = [...ui.experts.querySelectorAll("input")].map((box) => box.value).join(",");
  if (drawn !== roster.join(",")) ui.experts.replaceChildren(...agentCheckboxes(roster, checked, "expert"));

  const blocked = followUpBlocked();
  ui.send.disabled = Boolean(blocked);
  ui.send.textContent = ui.rebuttal.checked ? "Start the rebuttal round" : "Ask the follow-up";
  ui.followUpHelp.textContent = ui.rebuttal.checked
    ? "Optional in a rebuttal: each expert sees the others' positions and the previous round's cruxes, and holds or moves; your note is added to its brief."
    : "Each expert answers with its own thread: the earlier questions and its own earlier answers.";
  ui.note.textContent = blocked ?? (map ? `Coalitions and outliers are those of ${source}'s map.` : "");
  setCruxDisabled(blocked);
}

function followUpInvalid() {
  const message = ui.followUpQuestion.value;
  if (!bearerKey()) return ["The access key is missing.", "Paste the key that ./run printed.", form.key];
  if (!ui.rebuttal.checked && message.trim().length === 0) return ["The follow-up question is empty.", "Write a question, or choose a rebuttal round (its note is optional).", ui.followUpQuestion];
  if (message.length > MAX_QUESTION) return ["The follow-up question is too long.", `It has ${message.length} characters; at most ${MAX_QUESTION} are allowed.`, ui.followUpQuestion];
  if (audience() === "chosen" && checkedIn(ui.experts).length === 0) return ["No expert is chosen.", "Tick at least one expert, or pick another group.", ui.chosen];
  return null;
}

function followUpAgents() {
  const map = conversation.shown?.map ?? {};
  switch (audience()) {
    case "coalition":
      return [...((map.coalitions ?? [])[Number(ui.coalitionChoice.value)] ?? [])];
    case "outliers":
      return [...(map.outliers ?? [])];
    case "chosen":
      return checkedIn(ui.experts);
    default:
      return null; // everyone: the conversation's roster
  }
}

function sendFollowUp() {
  clearProblem();
  const invalid = followUpInvalid();
  if (invalid) {
    const [title, detail, field] = invalid;
    showProblem(title, detail);
    field.focus();
    return;
  }
  const body = { mode: ui.rebuttal.checked ? "rebuttal" : "ask", synthesis: form.synthesis.checked };
  if (ui.followUpQuestion.value.trim()) body.message = ui.followUpQuestion.value;
  const agents = followUpAgents();
  if (agents && agents.length === 0) {
    showProblem("Nobody to ask.", "The group chosen has no experts in this round's map.");
    return;
  }
  if (agents && agents.length < conversation.roster.length) body.agents = agents;
  ui.followUpQuestion.value = "";
  updateCount(ui.followUpQuestion, ui.followUpCount);
  askRound(body);
}

// ---------------------------------------------------------------------------------------------------------------
// Export.

async function exportAs(format) {
  if (!conversation.id) return;
  clearProblem();
  const extension = format === "json" ? "json" : "md";
  const answer = await download(`/api/consilium/conversations/${encodeURIComponent(conversation.id)}/export?format=${format}`, `consilium-${conversation.id}.${extension}`);
  if (!answer.ok) showApiProblem(answer.problem);
  else setStatus(`Exported ${answer.name}${conversation.running ? ` (round ${conversation.running.number} is still running and is not in it yet)` : ""}.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Coming back after a reload.

function persist() {
  try {
    const running = conversation.running;
    const stream = running?.stream;
    const state = {
      conversationId: conversation.id,
      running: running && stream?.sessionId && stream.resumeToken
        ? { sessionId: stream.sessionId, resumeToken: stream.resumeToken, round: running.number, mode: running.mode, question: running.question, agents: running.agents, synthesisAsked: running.synthesisAsked }
        : null,
    };
    if (state.conversationId || state.running) sessionStorage.setItem(STATE_STORAGE, JSON.stringify(state));
    else sessionStorage.removeItem(STATE_STORAGE);
  } catch {
    // storage disabled: a reload starts afresh
  }
}

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(STATE_STORAGE) ?? "null");
  } catch {
    return null;
  }
}

/** True when this tab has a conversation to come back to. */
export function hasSaved() {
  return Boolean(saved()?.conversationId || saved()?.running);
}

let restoring = false;

/**
 * Rebuilds the conversation of this tab: earlier rounds from GET /api/consilium/conversations/{id}, the running round
 * by resuming its session (with its resume token) from the first event.
 */
export async function restore() {
  const state = saved();
  if (restoring || conversation.rounds.length > 0 || !state?.conversationId) return;
  restoring = true;
  try {
    setStatus("Reloading the conversation…");
    const answer = await getJson(`/api/consilium/conversations/${encodeURIComponent(state.conversationId)}`);
    if (conversation.rounds.length > 0) return; // a new question was asked meanwhile
    if (!answer.ok) {
      if (answer.problem.status === 404) {
        sessionStorage.removeItem(STATE_STORAGE);
        setStatus("The earlier conversation of this tab has expired; ask a new question.");
      } else {
        setStatus(`Could not reload the conversation: ${answer.problem.detail ?? answer.problem.title}`);
      }
      return;
    }
    const transcript = answer.body;
    conversation.id = transcript.conversationId ?? state.conversationId;
    conversation.roster = transcript.roster ?? [];
    for (const round of [...(transcript.rounds ?? [])].sort((a, b) => a.round - b.round)) addRound(Round.fromTranscript(round));
    const running = state.running;
    if (running && !(transcript.rounds ?? []).some((round) => round.sessionId === running.sessionId)) {
      const round = new Round({ number: running.round, mode: running.mode, question: running.question, agents: running.agents ?? [], synthesisAsked: running.synthesisAsked });
      addRound(round);
      conversation.running = round;
      startPage();
      show(round);
      refreshChrome();
      setStatus(`Resuming round ${round.number}…`);
      round.stream = new CouncilStream(round);
      await round.stream.reattach(running.sessionId, running.resumeToken);
      return;
    }
    show(conversation.rounds.at(-1));
    refreshChrome();
    persist();
    setStatus(conversation.rounds.length ? `Reloaded ${conversation.rounds.length} round${conversation.rounds.length === 1 ? "" : "s"} of this conversation.` : "");
    if (conversation.rounds.length) document.body.dataset.state = conversation.rounds.at(-1).state;
  } finally {
    restoring = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring.

export function wireConversation() {
  ui.tabs.addEventListener("keydown", (event) => {
    const tabs = conversation.rounds.map((round) => round.tab);
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const round = conversation.rounds[(next + tabs.length) % tabs.length];
    show(round);
    round.tab.focus();
  });
  ui.followUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendFollowUp();
  });
  ui.followUpForm.addEventListener("change", (event) => {
    if (event.target === ui.coalitionChoice) ui.coalition.checked = true;
    if (event.target.name === "expert") ui.chosen.checked = true;
    refreshFollowUp();
  });
  ui.followUpQuestion.addEventListener("input", () => updateCount(ui.followUpQuestion, ui.followUpCount));
  submitOnCtrlEnter(ui.followUpQuestion, ui.followUpForm);
  ui.exportMarkdown.addEventListener("click", () => exportAs("markdown"));
  ui.exportJson.addEventListener("click", () => exportAs("json"));
  updateCount(ui.followUpQuestion, ui.followUpCount);
  refreshChrome();
}
