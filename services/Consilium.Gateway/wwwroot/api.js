// The page's side of the public API (docs/api.md): the key, problems (RFC 9457), JSON reads, downloads, Stop, and a
// council's event stream — POSTed with fetch (EventSource can neither POST nor send a bearer header), read with
// sse.js, resumed from the last event id with the session's resume token whenever it breaks before its terminal event.

import { readEventStream } from "./sse.js";
import { $, delay, showProblem } from "./dom.js";

const KEY_STORAGE = "consilium.key";
export const MAX_RESUME_ATTEMPTS = 6;

// ---------------------------------------------------------------------------------------------------------------
// The key: kept in this tab's session storage, sent as a bearer header, never in a URL.

export function bearerKey() {
  return $("key").value.trim();
}

export function restoreKey() {
  try {
    $("key").value = sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    // storage disabled: the key then lives in the field only
  }
}

export function storeKey() {
  try {
    if (bearerKey()) sessionStorage.setItem(KEY_STORAGE, bearerKey());
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled
  }
}

const authorized = (headers = {}) => ({ Authorization: `Bearer ${bearerKey()}`, ...headers });

// ---------------------------------------------------------------------------------------------------------------
// Problems.

export async function readProblem(response) {
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

export function showApiProblem(problem) {
  let detail = problem.detail ?? "";
  if (problem.status === 429 && problem.retryAfter) {
    detail = `${detail} Try again in ${problem.retryAfter} s.`.trim();
  }
  showProblem(`${problem.title} (${problem.status}).`, detail);
  if (problem.status === 401) $("key").focus();
}

/** A problem made up by the page when the server could not be reached at all. */
const unreachable = () => ({ status: 0, title: "Could not reach the Consilium server", detail: "Check that it is running and try again.", retryAfter: null });

/** GET a JSON resource with the key: {ok: true, body} or {ok: false, problem}. */
export async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: authorized({ Accept: "application/json" }), cache: "no-store" });
  } catch {
    return { ok: false, problem: unreachable() };
  }
  if (!response.ok) return { ok: false, problem: await readProblem(response) };
  try {
    return { ok: true, body: await response.json() };
  } catch {
    return { ok: false, problem: { status: response.status, title: "Unreadable answer", detail: `${path} did not answer JSON.`, retryAfter: null } };
  }
}

/**
 * GET a download with the key (a plain link cannot carry a bearer header) and hands it to the browser as a file,
 * named as the server's Content-Disposition says.
 */
export async function download(path, fallbackName) {
  let response;
  try {
    response = await fetch(path, { headers: authorized(), cache: "no-store" });
  } catch {
    return { ok: false, problem: unreachable() };
  }
  if (!response.ok) return { ok: false, problem: await readProblem(response) };
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = fileName(disposition) ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { ok: true, name };
}

/** The file name of a Content-Disposition header (`filename*=UTF-8''…` or `filename=…`), or null. */
function fileName(disposition) {
  const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/iu.exec(disposition)?.[1];
  if (encoded) {
    try {
      return decodeURIComponent(encoded.trim());
    } catch {
      // malformed escapes: fall back to the plain parameter
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/iu.exec(disposition)?.[1]?.trim() ?? null;
}

/** DELETE /api/consilium/sessions/{id}: true when the server took the stop (202, or 204 when already finished). */
export async function stopSession(sessionId) {
  try {
    const response = await fetch(`/api/consilium/sessions/${encodeURIComponent(sessionId)}`, {
      method: "DELETE",
      headers: authorized(),
      cache: "no-store",
    });
    return response.ok;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One council stream.

/**
 * Follows one council session to its terminal event. The host receives:
 *   event(type, data)       every event, once, in id order (an event whose id was already seen is skipped);
 *   resuming(note)          before each resume attempt, with a sentence for the status line;
 *   resumed()               a resume is streaming;
 *   failed(title, detail)   the stream could not be followed (nothing more will come);
 *   refused(problem, note)  the API refused the start or a resume with a problem.
 * `done` and `error` carrying an id are terminal. An `error` without an `id:` comes from the replica serving this
 * stream, not from the council (docs/api.md, "An `error` without an `id:`"): the council goes on, so the stream is
 * resumed from the last id as after a dropped connection.
 */
export class CouncilStream {
  constructor(host) {
    this.host = host;
    this.controller = new AbortController();
    this.sessionId = null;
    this.resumeToken = null;
    this.lastEventId = 0;
    this.terminal = false;
    this.replicaError = null;
  }

  get aborted() {
    return this.controller.signal.aborted;
  }

  abort() {
    this.controller.abort();
  }

  /** POST /api/consilium with the body and follows the stream. */
  async start(body) {
    let response;
    try {
      response = await fetch("/api/consilium", {
        method: "POST",
        headers: authorized({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify(body),
        signal: this.controller.signal,
        cache: "no-store",
      });
    } catch {
      if (!this.aborted) this.host.failed("Could not reach the Consilium server.", "Check that it is running and try again.");
      return;
    }
    if (!response.ok) {
      this.host.refused(await readProblem(response), "");
      return;
    }
    if (!(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
      this.host.failed("Unexpected answer from the server.", `Expected an event stream, got ${response.headers.get("Content-Type") ?? "nothing"}.`);
      return;
    }
    this.sessionId = response.headers.get("Consilium-Session");
    await this.follow(response);
    await this.resumeUntilDone();
  }

  /** Follows a session this page started before a reload, from its first event (the page has nothing of it yet). */
  async reattach(sessionId, resumeToken) {
    this.sessionId = sessionId;
    this.resumeToken = resumeToken;
    await this.resumeUntilDone({ immediately: true });
  }

  /** Handles one event; one already seen (by id) is skipped, so a resumed stream never duplicates text. */
  handle(event) {
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
    if (event.type === "session" && data.resumeToken) {
      this.sessionId = data.sessionId;
      this.resumeToken = data.resumeToken; // a resumed stream's session event has none: keep the first
    }
    if (event.type === "done" || event.type === "error") this.terminal = true;
    this.host.event(event.type, data);
  }

  async follow(response) {
    try {
      await readEventStream(response, (event, meta) => {
        if (this.terminal) return false;
        if (event.type === "error" && !meta.hasId) {
          this.replicaError = parseQuietly(event.data);
          return false; // stop reading this connection: resume from the last id
        }
        this.handle(event);
        return !this.terminal;
      });
    } catch {
      // the connection broke (or was aborted): resumeUntilDone decides
    }
  }

  async resumeUntilDone({ immediately = false } = {}) {
    let attempt = 0;
    while (!this.terminal && !this.aborted) {
      if (!this.sessionId || !this.resumeToken) {
        this.host.failed("The connection broke before the council started.", "Ask again.");
        return;
      }
      attempt++;
      if (attempt > MAX_RESUME_ATTEMPTS) {
        this.host.failed("The connection to the council was lost.", `Gave up after ${MAX_RESUME_ATTEMPTS} attempts to resume; ask again.`);
        return;
      }
      const cause = this.replicaError
        ? `The server's stream failed (${this.replicaError.code ?? "error"}: ${this.replicaError.message ?? "no detail"}); the council goes on`
        : "Connection lost";
      this.replicaError = null;
      if (!(immediately && attempt === 1)) {
        this.host.resuming(`${cause}; resuming after event ${this.lastEventId} (attempt ${attempt} of ${MAX_RESUME_ATTEMPTS})…`);
        await delay(Math.min(250 * 2 ** (attempt - 1), 4000), this.controller.signal);
        if (this.aborted) return;
      }
      const url = `/api/consilium/sessions/${encodeURIComponent(this.sessionId)}/events?resume=${encodeURIComponent(this.resumeToken)}&lastEventId=${this.lastEventId}`;
      let response;
      try {
        response = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: this.controller.signal, cache: "no-store" });
      } catch {
        continue; // not reachable yet: try again
      }
      if (response.status === 204) {
        this.host.failed("The council has already finished.", "Its final event did not reach this page; ask again to see the totals.");
        return;
      }
      if (!response.ok) {
        const problem = await readProblem(response);
        if (problem.status >= 500 || problem.status === 429) continue;
        this.host.refused(problem, "Could not resume the council.");
        return;
      }
      this.host.resumed();
      const before = this.lastEventId;
      await this.follow(response);
      if (this.lastEventId > before) attempt = 0; // progress: the next break starts counting afresh
    }
  }
}

function parseQuietly(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

