// The tension map of one round (docs/api.md#tension-map): the disagreement matrix, consensus, coalitions, outliers,
// who was not asked, who moved and who held (an arrow from the old position to the new), the axes with their cruxes
// as one-click follow-ups, the synthesis (drafted while it streams), and the round's totals.

import { $, el, formatInt, formatPercent, formatUsd, seconds, signed, svg } from "./dom.js";
import { domainOf, nameOf, shortName } from "./roster.js";
import { POSITION_LABEL, clampPosition } from "./panels.js";

const ui = {
  tension: $("tension"),
  heatmap: $("heatmap"),
  consensusValue: $("consensus-value"),
  consensusGauge: $("consensus-gauge"),
  coalitions: $("coalitions"),
  outliers: $("outliers"),
  missing: $("missing"),
  notAskedTerm: $("not-asked-term"),
  notAsked: $("not-asked"),
  shiftsBlock: $("shifts-block"),
  shiftsNote: $("shifts-note"),
  shifts: $("shifts"),
  axes: $("axes"),
  synthesisText: $("synthesis-text"),
  totals: $("totals"),
  totalsList: $("totals-list"),
};

export function chips(ids, empty) {
  if (ids.length === 0) return [el("span", { class: "hint", text: empty })];
  return ids.map((id) => el("span", { class: "chip", title: domainOf(id), text: nameOf(id) }));
}

function groupList(groups, empty) {
  if (groups.length === 0) return [el("span", { class: "hint", text: empty })];
  return [el("ul", { class: "coalitions" }, ...groups.map((group) => el("li", {}, ...chips(group, ""))))];
}

/** No map for this round (yet): hidden and emptied. */
export function clearMap() {
  ui.tension.hidden = true;
  delete ui.tension.dataset.complete;
  ui.synthesisText.textContent = "";
  ui.synthesisText.classList.remove("drafting", "absent");
}

/** The synthesis as far as it has been written, while the map is not there yet. */
export function showSynthesisDraft(raw) {
  ui.tension.hidden = false;
  ui.synthesisText.classList.add("drafting");
  ui.synthesisText.textContent = draftSynthesis(raw) ?? "The synthesis is being written…";
}

/**
 * Renders a whole map. `options.synthesisAsked` explains a missing synthesis; `options.onCrux(axis)` is called by an
 * axis's follow-up button; `options.cruxDisabled` says why those buttons cannot be used now (or nothing).
 */
export function renderTensionMap(map, options = {}) {
  const ids = map.agents ?? [];
  const notAsked = new Set(map.notAsked ?? []);
  const header = (id, scope) =>
    el("th", {
      scope,
      class: notAsked.has(id) ? "not-asked" : undefined,
      title: notAsked.has(id) ? `${nameOf(id)} (not asked this round: last stance)` : nameOf(id),
      text: shortName(id),
    });
  const head = el("thead", {}, el("tr", {}, el("td", { class: "corner" }), ...ids.map((id) => header(id, "col"))));
  const body = el(
    "tbody",
    {},
    ...ids.map((row, i) =>
      el(
        "tr",
        {},
        header(row, "row"),
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
  ui.notAsked.replaceChildren(...chips([...notAsked], "None"));
  ui.notAskedTerm.hidden = ui.notAsked.hidden = notAsked.size === 0;

  renderShifts(map);

  const axes = map.axes ?? [];
  ui.axes.replaceChildren(
    ...(axes.length
      ? axes.map((axis, index) =>
          el(
            "li",
            { class: "axis" },
            el("p", { class: "axis-topic", text: axis.topic }),
            el("div", { class: "sides" }, el("div", { class: "side for" }, el("span", { class: "side-label", text: "For" }), ...chips(axis.for ?? [], "nobody")), el("div", { class: "side against" }, el("span", { class: "side-label", text: "Against" }), ...chips(axis.against ?? [], "nobody"))),
            el("p", { class: "crux" }, el("strong", { text: "Crux: " }), axis.crux ?? ""),
            cruxButton(axis, index, options),
          ),
        )
      : [el("li", { class: "hint", text: "No axes: the council split on nothing, or no synthesis was written." })]),
  );
  if (typeof map.synthesis === "string" && map.synthesis.length > 0) {
    ui.synthesisText.textContent = map.synthesis;
    ui.synthesisText.classList.remove("drafting", "absent");
  } else {
    ui.synthesisText.textContent = options.synthesisAsked === false
      ? "Synthesis was turned off for this question."
      : options.synthesisAsked === null
        ? "No synthesis was written for this round." // from a transcript, which does not say whether it was asked for
        : "No synthesis: the synthesis call failed, timed out or wrote something unusable.";
    ui.synthesisText.classList.remove("drafting");
    ui.synthesisText.classList.add("absent");
  }
  ui.tension.hidden = false;
  ui.tension.dataset.complete = "true";
}

/** The crux as a ready follow-up round: its question, asked of the agents on both sides. */
function cruxButton(axis, index, options) {
  const followUp = axis.followUp;
  if (!followUp || typeof followUp.message !== "string" || !Array.isArray(followUp.agents) || !options.onCrux) return null;
  const who = followUp.agents.map(nameOf).join(", ");
  const button = el(
    "button",
    {
      type: "button",
      class: "secondary crux-ask",
      dataset: { axis: String(index) },
      title: `${followUp.message}\nAsks: ${who}`,
      "aria-label": `Ask the crux of ${axis.topic} of ${who}`,
    },
    `Ask this crux · ${followUp.agents.length} expert${followUp.agents.length === 1 ? "" : "s"}`,
  );
  button.disabled = Boolean(options.cruxDisabled);
  button.addEventListener("click", () => options.onCrux(axis));
  return el("p", { class: "crux-follow-up" }, button, options.cruxDisabled ? el("span", { class: "hint", text: ` ${options.cruxDisabled}` }) : null);
}

/** Enables or disables every crux button of the map on show (a round is running, or the council has no conversation). */
export function setCruxDisabled(reason) {
  for (const button of ui.axes.querySelectorAll(".crux-ask")) {
    button.disabled = Boolean(reason);
    const hint = button.parentElement.querySelector(".hint");
    if (reason && !hint) button.parentElement.append(el("span", { class: "hint", text: ` ${reason}` }));
    else if (hint) {
      if (reason) hint.textContent = ` ${reason}`;
      else hint.remove();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Who moved: each agent's old and new position on the −2..+2 line.

const TRACK = { width: 220, height: 26, left: 14, step: 48 };
const xOf = (position) => TRACK.left + (clampPosition(position) + 2) * TRACK.step;

function renderShifts(map) {
  const shifts = map.shifts ?? {};
  const moved = new Set(map.moved ?? []);
  const held = new Set(map.held ?? []);
  const notAsked = new Set(map.notAsked ?? []);
  const order = [...(map.agents ?? []), ...Object.keys(shifts)].filter((id, i, all) => all.indexOf(id) === i);
  const rows = order.filter((id) => shifts[id] || notAsked.has(id));
  ui.shiftsBlock.hidden = rows.length === 0;
  ui.shiftsNote.textContent = rows.length === 0 ? "" : `${moved.size} moved, ${held.size} held${notAsked.size ? `, ${notAsked.size} not asked` : ""} against their previous stance in this conversation.`;
  ui.shifts.replaceChildren(
    ...rows.map((id) => {
      const shift = shifts[id];
      const kind = shift ? (moved.has(id) ? "moved" : held.has(id) || shift.from === shift.to ? "held" : "moved") : "not-asked";
      let text;
      if (kind === "not-asked") {
        const position = clampPosition(map.positions?.[id]?.position);
        text = `not asked: keeps ${signed(position)} (${POSITION_LABEL.get(position)})`;
      } else {
        const confidence = `confidence ${formatPercent.format(Number(shift.confidenceFrom) || 0)} → ${formatPercent.format(Number(shift.confidenceTo) || 0)}`;
        text = kind === "moved"
          ? `moved ${signed(clampPosition(shift.from))} → ${signed(clampPosition(shift.to))} (${POSITION_LABEL.get(clampPosition(shift.to))}) · ${confidence}`
          : `held at ${signed(clampPosition(shift.to))} (${POSITION_LABEL.get(clampPosition(shift.to))}) · ${confidence}`;
      }
      return el(
        "li",
        { class: "shift", dataset: { agent: id, shift: kind } },
        el("span", { class: "shift-name", title: domainOf(id), text: nameOf(id) }),
        shiftTrack(kind, shift, map.positions?.[id]),
        el("span", { class: "shift-text", text }),
      );
    }),
  );
}

/** The −2..+2 line with the old position (hollow), an arrow to the new one (filled); a ring when it held. */
function shiftTrack(kind, shift, position) {
  const y = TRACK.height / 2;
  const ticks = [-2, -1, 0, 1, 2].map((p) => svg("line", { class: "tick", x1: xOf(p), x2: xOf(p), y1: y - 5, y2: y + 5 }));
  const parts = [svg("line", { class: "baseline", x1: xOf(-2), x2: xOf(2), y1: y, y2: y }), ...ticks];
  if (kind === "not-asked") {
    parts.push(svg("circle", { class: "dot kept", cx: xOf(position?.position), cy: y, r: 5, "data-position": clampPosition(position?.position) }));
  } else if (kind === "held") {
    parts.push(svg("circle", { class: "ring", cx: xOf(shift.to), cy: y, r: 8 }));
    parts.push(svg("circle", { class: "dot to", cx: xOf(shift.to), cy: y, r: 5, "data-position": clampPosition(shift.to) }));
  } else {
    const from = xOf(shift.from);
    const to = xOf(shift.to);
    const direction = Math.sign(to - from);
    const tip = to - direction * 6; // the arrow ends at the new dot's edge
    parts.push(svg("circle", { class: "dot from", cx: from, cy: y, r: 5 }));
    parts.push(svg("g", { class: "arrow" },
      svg("line", { x1: from + direction * 6, x2: tip - direction * 6, y1: y, y2: y }),
      svg("polygon", { points: `${tip},${y} ${tip - direction * 7},${y - 4.5} ${tip - direction * 7},${y + 4.5}` })));
    parts.push(svg("circle", { class: "dot to", cx: to, cy: y, r: 5, "data-position": clampPosition(shift.to) }));
  }
  return svg("svg", { class: "shift-track", viewBox: `0 0 ${TRACK.width} ${TRACK.height}`, "aria-hidden": "true", focusable: "false" }, ...parts);
}

// ---------------------------------------------------------------------------------------------------------------
// The synthesis while it streams, and the totals.

/** The synthesis is written as JSON; while it streams, show the "synthesis" string as far as it has arrived. */
export function draftSynthesis(raw) {
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

export function clearTotals() {
  ui.totals.hidden = true;
  ui.totalsList.replaceChildren();
}

/** The round's totals: a `done` event's data, or the same figures from a transcript (durationMs may be null). */
export function renderTotals(data) {
  const usage = data.usage ?? {};
  const succeeded = data.succeeded ?? [];
  const failed = data.failed ?? [];
  const stat = (term, value) => el("div", { class: "stat" }, el("dt", { text: term }), el("dd", { text: value }));
  ui.totalsList.replaceChildren(
    data.succeeded ? stat("Answered", `${succeeded.length} of ${succeeded.length + failed.length}`) : "",
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
