// The council's page, wired from its modules (no build step; each is an ES module the browser loads itself):
//   dom.js           DOM and formatting helpers, the status line and the problem box
//   api.js           the key, problems, JSON reads, downloads, Stop, and a council's event stream with resume
//   sse.js           the event-stream parser
//   roster.js        the agents as GET /api/agents lists them
//   form.js          the ask form: key, question, agent picker, checks before sending
//   panels.js        one agent's panel
//   map.js           the tension map, who moved, the cruxes, the synthesis and the totals
//   conversation.js  rounds as tabs, the follow-up box, export, coming back after a reload
// Agent text is untrusted: every module only ever sets it as text.

import { clearProblem, showProblem } from "./dom.js";
import { restoreKey, storeKey } from "./api.js";
import { rosterIds } from "./roster.js";
import { everyonePicked, loadAgents, selectedAgents, showInvalid, ui, validate, wireForm } from "./form.js";
import { askNew, hasSaved, restore, stop, wireConversation } from "./conversation.js";

function ask() {
  clearProblem();
  const invalid = validate();
  if (invalid) {
    showInvalid(invalid, showProblem);
    return;
  }
  storeKey();
  const body = { message: ui.question.value, synthesis: ui.synthesis.checked };
  if (!everyonePicked()) body.agents = selectedAgents();
  askNew(body, body.agents ?? rosterIds);
}

/** With a key: the roster, then (once) whatever conversation this tab had before a reload. */
async function keyChanged() {
  const listed = await loadAgents();
  if (listed && hasSaved()) await restore();
}

restoreKey();
wireForm({ onAsk: ask, onStop: stop, onKey: keyChanged });
wireConversation();
keyChanged();
