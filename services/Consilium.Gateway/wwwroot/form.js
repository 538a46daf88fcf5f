// The ask form: the key (shown or hidden), the question with its count, the agent picker (drawn from GET /api/agents),
// the synthesis toggle, and what is checked before anything is sent.

import { $, el, formatInt } from "./dom.js";
import { bearerKey, storeKey } from "./api.js";
import { agents, loadRoster, rosterIds } from "./roster.js";

export const MAX_QUESTION = 8000;

export const ui = {
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
};

/** "1,234 / 8,000 characters" under a question box, red past the limit. */
export function updateCount(field, counter) {
  const n = field.value.length;
  counter.textContent = `${formatInt.format(n)} / ${formatInt.format(MAX_QUESTION)} characters`;
  counter.classList.toggle("over", n > MAX_QUESTION);
}

/** Ctrl+Enter (⌘+Enter) in the field submits its form. */
export function submitOnCtrlEnter(field, form) {
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

/** Checkboxes for agents (the ask form's picker and the follow-up box's experts): name, domain, health. */
export function agentCheckboxes(ids, checked, name) {
  return ids.map((id) => {
    const agent = agents.get(id) ?? { id, name: id };
    const health = agent.healthy === false ? el("span", { class: "unhealthy", text: "unreachable" }) : null;
    return el(
      "li",
      {},
      el(
        "label",
        { title: agent.summary ?? "" },
        el("input", { type: "checkbox", name, value: id, checked: checked.has(id) }),
        el("span", { class: "agent-name", text: agent.name ?? id }),
        agent.domain ? el("span", { class: "agent-domain", text: agent.domain }) : null,
        health,
      ),
    );
  });
}

export function checkedIn(list) {
  return [...list.querySelectorAll("input[type=checkbox]")].filter((box) => box.checked).map((box) => box.value);
}

function renderAgentPicker() {
  const previous = selectedAgents();
  const checked = new Set(previous ?? rosterIds);
  ui.agentList.replaceChildren(...agentCheckboxes(rosterIds, checked, "agent"));
  updateAgentCount();
}

/** The ids checked in the picker, or null when the picker has not been drawn (then the server asks everyone). */
export function selectedAgents() {
  const boxes = [...ui.agentList.querySelectorAll("input[type=checkbox]")];
  return boxes.length === 0 ? null : boxes.filter((box) => box.checked).map((box) => box.value);
}

/** True when every agent of the roster is picked (or the roster is not known): the body then names no agents. */
export function everyonePicked() {
  const selected = selectedAgents();
  return selected === null || selected.length === rosterIds.length;
}

function updateAgentCount() {
  const selected = selectedAgents();
  ui.agentCount.textContent = selected === null
    ? "all"
    : selected.length === rosterIds.length ? `all ${rosterIds.length === 10 ? "ten" : rosterIds.length}` : `${selected.length} of ${rosterIds.length}`;
}

/** GET /api/agents with the key: names, domains, summaries and health for the picker and every panel. */
export async function loadAgents() {
  if (!bearerKey()) {
    ui.agentsNote.textContent = "Enter the key to see the agents, their domains and health.";
    return false;
  }
  const answer = await loadRoster();
  if (answer.stale) return false;
  if (!answer.ok) {
    ui.agentsNote.textContent = answer.problem.status === 0
      ? "Could not reach the server to list the agents."
      : `Could not list the agents: ${answer.problem.detail ?? answer.problem.title}`;
    return false;
  }
  ui.agentsNote.textContent = answer.down === 0 ? "All agents reachable." : `${answer.down} agent${answer.down === 1 ? "" : "s"} not reachable right now.`;
  renderAgentPicker();
  return true;
}

/** [title, detail, field] of the first thing wrong with the form, or null. */
export function validate() {
  const question = ui.question.value;
  if (!bearerKey()) return ["The access key is missing.", "Paste the key that ./run printed.", ui.key];
  if (question.trim().length === 0) return ["The question is empty.", `Write a question of up to ${MAX_QUESTION} characters.`, ui.question];
  if (question.length > MAX_QUESTION) return ["The question is too long.", `It has ${question.length} characters; at most ${MAX_QUESTION} are allowed.`, ui.question];
  const selected = selectedAgents();
  if (selected !== null && selected.length === 0) return ["No agent is selected.", "Pick at least one agent, or All.", ui.picker];
  return null;
}

/** Wires the form's own controls; `onAsk` and `onStop` are the page's. */
export function wireForm({ onAsk, onStop, onKey }) {
  updateCount(ui.question, ui.questionCount);
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    onAsk();
  });
  ui.question.addEventListener("input", () => updateCount(ui.question, ui.questionCount));
  submitOnCtrlEnter(ui.question, ui.form);
  ui.key.addEventListener("input", storeKey);
  ui.key.addEventListener("change", onKey);
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
  ui.stop.addEventListener("click", onStop);
}

/** Shows what the form found wrong, opening the picker when it is the culprit. */
export function showInvalid([title, detail, field], showProblem) {
  showProblem(title, detail);
  if (field === ui.picker) ui.picker.open = true;
  field.focus();
}

