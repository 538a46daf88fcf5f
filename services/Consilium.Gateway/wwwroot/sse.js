// A Server-Sent Events parser for a fetch() body, following the HTML standard's "event stream interpretation":
// lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the next are one line end);
// "data" lines join with "\n"; "id" sets the last event id (ignored when it contains NUL); "retry" takes digits only;
// lines starting with ":" are comments; an event is dispatched at a blank line, and one left unfinished when the stream
// ends is dropped. Bytes are decoded as UTF-8 in streaming mode, so a character split across reads arrives whole.

export class SseParser {
  /**
   * @param {(event: {type: string, data: string, id: string | null}, meta: {hasId: boolean}) => unknown} onEvent called
   *   for every complete event; `id` is the stream's last event id (inherited when the event has no `id:` line, as
   *   the standard says), `meta.hasId` whether this event carried an `id:` line of its own
   * @param {{onComment?: (text: string) => void, onRetry?: (ms: number) => void}} [hooks]
   */
  constructor(onEvent, hooks = {}) {
    this.onEvent = onEvent;
    this.onComment = hooks.onComment ?? (() => {});
    this.onRetry = hooks.onRetry ?? (() => {});
    this.decoder = new TextDecoder("utf-8");
    this.buffer = "";
    this.skipLineFeed = false;
    this.lastEventId = null;
    this.resetEvent();
  }

  resetEvent() {
    this.eventType = "";
    this.data = [];
    this.hasData = false;
    this.eventId = null;
  }

  /** Feeds bytes (Uint8Array) or already decoded text. */
  push(chunk) {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length === 0) return;
    let input = text;
    if (this.skipLineFeed) {
      this.skipLineFeed = false;
      if (input[0] === "\n") input = input.slice(1);
    }
    this.buffer += input;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      let end;
      let next;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) {
          next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
        } else {
          next = cr + 1; // the LF of a CRLF may come in the next chunk
          this.skipLineFeed = true;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: an unfinished event is dropped, as the standard says. */
  end() {
    const rest = this.decoder.decode();
    if (rest.length > 0) this.push(rest);
    this.buffer = "";
    this.resetEvent();
  }

  line(line) {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line[0] === ":") {
      this.onComment(line.slice(1).replace(/^ /, ""));
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) {
          this.eventId = value;
          this.lastEventId = value;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.onRetry(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  dispatch() {
    if (this.hasData) {
      this.onEvent({ type: this.eventType || "message", data: this.data.join("\n"), id: this.eventId ?? this.lastEventId }, { hasId: this.eventId !== null });
    }
    this.resetEvent();
  }
}

/**
 * Reads a fetch Response body to its end, calling onEvent for each complete event. When onEvent returns `false` the
 * reading stops there: later events are not delivered and the body is cancelled (the connection is given up).
 * Resolves when the body ends or reading stopped; rejects when the connection breaks or the signal aborts.
 */
export async function readEventStream(response, onEvent, hooks = {}) {
  let stopped = false;
  const parser = new SseParser((event, meta) => {
    if (!stopped && onEvent(event, meta) === false) stopped = true;
  }, hooks);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
      if (stopped) {
        await reader.cancel().catch(() => {});
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
  parser.end();
}
