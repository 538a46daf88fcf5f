// The roster as the API gives it: GET /api/agents (ids, names, domains, summaries, health, in council order). The page
// keeps no copy of its own; until the list arrives (it needs the key) agents are known by the ids the streams name.

import { getJson } from "./api.js";

/** id → {id, name, domain, summary?, healthy?}, in council order once the list has arrived. */
export const agents = new Map();

/** The ids of GET /api/agents in council order (empty until it answered). */
export let rosterIds = [];

export function nameOf(id) {
  return agents.get(id)?.name ?? id;
}

export function domainOf(id) {
  return agents.get(id)?.domain ?? "";
}

/** "Dr. Elena Vasquez" → "Vasquez", "Isabel de León" → "de León": short enough for a matrix header. */
export function shortName(id) {
  const words = nameOf(id).replace(/^(Dr|Prof|Mr|Ms|Mrs)\.?\s+/u, "").split(/\s+/u);
  return words.length > 1 ? words.slice(1).join(" ") : words[0];
}

/** What a stream says of its agents (the `session` event) adds to or overrides what the list said. */
export function learnAgents(list) {
  for (const agent of list ?? []) {
    if (agent?.id) agents.set(agent.id, { ...(agents.get(agent.id) ?? { id: agent.id }), ...agent });
  }
}

let ticket = 0;

/**
 * GET /api/agents with the key. Resolves {ok: true, down} with the number of unreachable agents, or {ok: false,
 * problem}; {stale: true} when a newer request replaced this one.
 */
export async function loadRoster() {
  const mine = ++ticket;
  const answer = await getJson("/api/agents");
  if (mine !== ticket) return { stale: true };
  if (!answer.ok) return answer;
  const list = Array.isArray(answer.body?.agents) ? answer.body.agents.filter((agent) => typeof agent?.id === "string") : [];
  rosterIds = list.map((agent) => agent.id);
  // The list's order is the council's order: rebuild the map in it, keeping nothing a stream said that the list contradicts.
  const known = new Map(agents);
  agents.clear();
  for (const agent of list) agents.set(agent.id, { ...agent });
  for (const [id, agent] of known) if (!agents.has(id)) agents.set(id, agent);
  return { ok: true, down: list.filter((agent) => agent.healthy === false).length };
}
