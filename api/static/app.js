// newsrag chat page: streams answers from POST /chat (Server-Sent Events) and shows cited quotes in context.
// Plain DOM, no framework. Untrusted text (answers, articles, errors) only ever goes through textContent
// or text nodes, never innerHTML.
"use strict";

// ---- Server-Sent Events -----------------------------------------------------------------------------

/**
 * An incremental SSE parser (the WHATWG "event stream" rules, minus id/retry, which a POST stream that is
 * never resumed does not need). Feed it decoded text in chunks split anywhere; it calls
 * onEvent({type, data}) once per complete event.
 */
function createSseParser(onEvent) {
  let buffer = "";
  let eventType = "";
  let dataLines = [];

  function dispatch() {
    // An event without data lines is not an event (sse-starlette's pings are comments anyway).
    if (dataLines.length > 0) {
      onEvent({ type: eventType || "message", data: dataLines.join("\n") });
    }
    eventType = "";
    dataLines = [];
  }

  function processLine(line) {
    if (line === "") return dispatch();
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventType = value;
    else if (field === "data") dataLines.push(value);
  }

  return {
    push(text) {
      buffer += text;
      let pos = 0;
      for (;;) {
        const cr = buffer.indexOf("\r", pos);
        const lf = buffer.indexOf("\n", pos);
        const eol = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        if (eol === -1) break;
        // sse-starlette ends lines with "\r\n"; a "\r" at the very end of a chunk may be the first half
        // of one, so wait for the next chunk before deciding where the line ends.
        if (buffer[eol] === "\r" && eol === buffer.length - 1) break;
        processLine(buffer.slice(pos, eol));
        pos = eol + (buffer[eol] === "\r" && buffer[eol + 1] === "\n" ? 2 : 1);
      }
      buffer = buffer.slice(pos);
    },
    end() {
      // Lenient at end of stream: a server that omits the final blank line still gets its last event
      // delivered (a truncated one fails JSON parsing downstream and is reported).
      const rest = buffer.replace(/\r$/, "");
      buffer = "";
      if (rest !== "") processLine(rest);
      dispatch();
    },
  };
}

class ChatError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Turns a non-2xx response into a ChatError, reading the {"error": {code, message}} envelope. */
async function httpError(response) {
  let code = `http_${response.status}`;
  let message = response.statusText || "The request failed.";
  try {
    const body = await response.json();
    const error = body && typeof body.error === "object" ? body.error : body;
    if (error && error.code) code = String(error.code);
    if (error && error.message) message = String(error.message);
    else if (body && typeof body.detail === "string") message = body.detail;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status line is all we have.
  }
  const retryAfter = response.headers.get("Retry-After");
  if (retryAfter) message += ` Try again in ${retryAfter} s.`;
  return new ChatError(code, message);
}

/** Reads the SSE body, updating `turn` as events arrive; resolves to the final Answer (the done event). */
async function readAnswerStream(body, turn) {
  const reader = body.getReader();
  const decoder = new TextDecoder(); // {stream: true} below keeps multi-byte characters split by chunks
  let answer = null;
  let failure = null;

  const parser = createSseParser((event) => {
    if (answer || failure) return;
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      failure = new ChatError("bad_event", `The server sent an unreadable "${event.type}" event.`);
      return;
    }
    switch (event.type) {
      case "passages":
        turn.showPassages(Array.isArray(data) ? data : []);
        break;
      case "delta":
        turn.appendText(data && typeof data.text === "string" ? data.text : "");
        break;
      case "replace":
        // The verified text differs from what the deltas showed (a fallback, dropped sentences): start over.
        turn.replaceText(data && typeof data.text === "string" ? data.text : "");
        break;
      case "citations":
        turn.setCitations(Array.isArray(data) ? data : []);
        break;
      case "done":
        answer = data;
        break;
      case "error": {
        const error = data && typeof data.error === "object" ? data.error : data || {};
        failure = new ChatError(error.code || "error", error.message || "The server could not answer.");
        break;
      }
      default:
        break; // unknown events are ignored, so the server may add some without breaking the page
    }
  });

  try {
    while (!answer && !failure) {
      const { value, done } = await reader.read();
      if (done) {
        parser.push(decoder.decode());
        parser.end();
        break;
      }
      parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Nothing after done/error matters; cancelling frees the connection right away.
    reader.cancel().catch(() => {});
  }
  if (failure) throw failure;
  if (!answer) throw new ChatError("incomplete", "The answer stopped before it was complete.");
  return answer;
}

// ---- Rendering helpers ------------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** "Title — Outlet, 2019-05-03"; the outlet and date are often missing (plain-text articles). */
function describeSource(c) {
  const where = [c.source, c.date].filter(Boolean).join(", ");
  const title = c.title || c.article_id;
  return where ? `${title} — ${where}` : title;
}

/** Only http(s) links are made clickable: a "javascript:" url in an article must stay inert. */
function safeUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "also reported by: A, B (2)" for a citation other outlets carry too (syndicated copies), else "". */
function alsoReportedBy(citation) {
  const reports = Array.isArray(citation.also_reported_by) ? citation.also_reported_by : [];
  if (!citation.copies || reports.length === 0) return "";
  const names = [...new Set(reports.map((r) => r.outlet || r.article_id))];
  return `also reported by: ${names.join(", ")} (${citation.copies})`;
}

function citeLink(n, citation) {
  const a = el("a", "cite", `[${n}]`);
  a.href = "#";
  a.dataset.n = String(n);
  a.setAttribute("aria-haspopup", "dialog");
  if (citation) {
    a.title = describeSource(citation);
    a.setAttribute("aria-label", `Source ${n}: ${describeSource(citation)}`);
  }
  return a;
}

// "[1]", and also "[1, 2]" should a generator group markers.
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/** `text` as nodes: text nodes, its [n] markers turned into links. */
function linkMarkers(text, citationsByN) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    nodes.push(document.createTextNode(text.slice(last, match.index)));
    for (const part of match[1].split(",")) {
      const n = Number(part.trim());
      nodes.push(citeLink(n, citationsByN.get(n)));
    }
    last = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/**
 * Maps the server's offsets (Python: code points) to JavaScript string indices (UTF-16 code units);
 * they differ only after a character outside the BMP (an emoji, say).
 */
function codePointIndex(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const index = [];
  let unit = 0;
  for (const ch of text) {
    index.push(unit);
    unit += ch.length;
  }
  index.push(unit);
  return (i) => (i >= 0 && i < index.length ? index[i] : -1);
}

/** The claims as sorted, non-overlapping {start, end, claim} ranges of `text`; unplaceable ones are skipped. */
function claimRanges(text, claims) {
  if (!Array.isArray(claims) || claims.length === 0) return [];
  const toIndex = codePointIndex(text);
  const ranges = [];
  for (const claim of claims) {
    if (!claim || typeof claim !== "object") continue;
    const quoted = typeof claim.text === "string" && claim.text ? claim.text : null;
    const valid = (s, e) => Number.isInteger(s) && Number.isInteger(e) && s >= 0 && s < e && e <= text.length;
    const fits = (s, e) => valid(s, e) && (!quoted || text.slice(s, e) === quoted);
    const candidates = [[toIndex(claim.start), toIndex(claim.end)], [claim.start, claim.end]];
    let span = candidates.find(([s, e]) => fits(s, e));
    const found = quoted ? text.indexOf(quoted) : -1;
    if (!span && found !== -1) span = [found, found + quoted.length];
    if (!span) span = candidates.find(([s, e]) => valid(s, e)); // the offsets are the contract
    if (span) ranges.push({ start: span[0], end: span[1], claim });
  }
  ranges.sort((a, b) => a.start - b.start || b.end - a.end);
  let reached = 0;
  return ranges.filter((r) => {
    if (r.start < reached) return false;
    reached = r.end;
    return true;
  });
}

const UNSUPPORTED_TITLE = "Not supported by the cited passages";

function claimSpan(claim, children) {
  const unsupported = claim.supported === false;
  const span = el("span", unsupported ? "claim unsupported" : "claim");
  span.append(...children);
  if (typeof claim.support === "number") span.dataset.support = claim.support.toFixed(2);
  if (unsupported) {
    span.title = UNSUPPORTED_TITLE;
    const badge = el("span", "unverified-badge", "unverified");
    badge.title = UNSUPPORTED_TITLE;
    span.append(badge);
  }
  return span;
}

/**
 * Fills `container` with the answer text, its [n] markers turned into links, and each claim (a checked
 * sentence of a generated answer, by offsets into `text`) wrapped in a span — unsupported ones flagged.
 */
function renderAnswerText(container, text, citationsByN, claims = []) {
  // A claim boundary never cuts a marker: a marker belongs to the claim it starts in.
  const markers = [...text.matchAll(MARKER)].map((m) => [m.index, m.index + m[0].length]);
  const snap = (at) => {
    const inside = markers.find(([s, e]) => s < at && at < e);
    return inside ? inside[1] : at;
  };
  const nodes = [];
  let pos = 0;
  for (const { start, end, claim } of claimRanges(text, claims)) {
    const from = Math.max(snap(start), pos);
    const to = snap(end);
    if (to <= from) continue;
    nodes.push(...linkMarkers(text.slice(pos, from), citationsByN));
    nodes.push(claimSpan(claim, linkMarkers(text.slice(from, to), citationsByN)));
    pos = to;
  }
  nodes.push(...linkMarkers(text.slice(pos), citationsByN));
  container.replaceChildren(...nodes);
}

function formatSeconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// ---- The page ---------------------------------------------------------------------------------------

const ui = {
  messages: document.getElementById("messages"),
  intro: document.getElementById("intro"),
  form: document.getElementById("ask-form"),
  question: document.getElementById("question"),
  send: document.getElementById("send"),
  newChat: document.getElementById("new-chat"),
  panel: document.getElementById("article-panel"),
  panelClose: document.getElementById("panel-close"),
  articleTitle: document.getElementById("article-title"),
  articleMeta: document.getElementById("article-meta"),
  articleStatus: document.getElementById("article-status"),
  articleBody: document.getElementById("article-body"),
  generatorChoice: document.getElementById("generator-choice"),
  generator: document.getElementById("generator"),
  asOf: document.getElementById("as-of"),
};

// The whole conversation, [{role, content}], sent with every request: the server keeps no session.
const conversation = [];
// POST /chat accepts at most 50 messages; follow-ups only lean on recent turns, so a long chat sends its
// latest 40 (even, so the window still starts with a user turn: failed turns are dropped, see send()).
const MAX_SENT_MESSAGES = 40;
const turns = new WeakMap(); // assistant turn element -> AssistantTurn (for citation clicks)
let inflight = null; // AbortController of the answer being streamed, if any

/** Near the bottom, follow new text; if the reader scrolled up to read, leave them there. */
function scrollToEnd(force = false) {
  const m = ui.messages;
  if (force || m.scrollHeight - m.scrollTop - m.clientHeight < 120) m.scrollTop = m.scrollHeight;
}

function addUserTurn(text) {
  ui.intro.hidden = true;
  const turn = el("article", "turn user");
  turn.setAttribute("aria-label", "You");
  turn.append(el("p", "bubble", text));
  ui.messages.append(turn);
  scrollToEnd(true);
}

class AssistantTurn {
  constructor() {
    this.text = "";
    this.citationsByN = new Map();
    this.claims = []; // known once the answer is done
    this.root = el("article", "turn assistant");
    this.root.setAttribute("aria-label", "Assistant");
    this.root.setAttribute("aria-busy", "true");
    this.status = el("p", "status", "Searching the articles…");
    this.answer = el("p", "answer streaming");
    this.sources = el("ol", "sources");
    this.sources.hidden = true;
    this.meta = el("p", "meta");
    this.meta.hidden = true;
    this.root.append(this.status, this.answer, this.sources, this.meta);
    turns.set(this.root, this);
    ui.messages.append(this.root);
    scrollToEnd(true);
  }

  showPassages(passages) {
    this.status.textContent = passages.length
      ? `Read ${passages.length} passage${passages.length === 1 ? "" : "s"}; writing the answer…`
      : "No matching passages.";
  }

  render() {
    renderAnswerText(this.answer, this.text, this.citationsByN, this.claims);
  }

  appendText(text) {
    // Re-render the whole text: a marker may arrive split across deltas ("[" then "1]").
    this.text += text;
    this.render();
    scrollToEnd();
  }

  replaceText(text) {
    this.text = text;
    this.render();
    scrollToEnd();
  }

  setCitations(citations) {
    this.citationsByN = new Map(citations.map((c) => [c.n, c]));
    this.render();
    this.sources.replaceChildren(
      ...citations.map((c) => {
        const item = el("li");
        item.value = c.n; // keep the list number equal to the marker even if some n is skipped
        // A link, not a button: it must wrap like text beside the list number.
        const link = el("a", "source-link", c.title || c.article_id);
        const where = [c.source, c.date].filter(Boolean).join(", ");
        if (where) link.append(" — ", el("span", "nowrap", where));
        link.href = "#";
        link.dataset.n = String(c.n);
        link.setAttribute("aria-haspopup", "dialog");
        item.append(link);
        // Several quotes often come from one article: the quote's opening tells the entries apart.
        if (c.quote) item.append(el("span", "source-quote", `“${c.quote}”`));
        const also = alsoReportedBy(c);
        if (also) item.append(el("span", "source-also", also));
        return item;
      }),
    );
    this.sources.hidden = citations.length === 0;
    scrollToEnd();
  }

  finish(answer, elapsedMs) {
    // The done event is authoritative: it also covers a server that sent no deltas or citations events.
    this.text = typeof answer.text === "string" ? answer.text : this.text;
    this.claims = Array.isArray(answer.claims) ? answer.claims : [];
    const citations = Array.isArray(answer.citations) ? answer.citations : [...this.citationsByN.values()];
    this.setCitations(citations);
    this.answer.classList.remove("streaming");
    this.status.remove();
    // A typed question's exact answer ("Émile Lévêque", "three euros"), in bold above the quote.
    const short = answer.short;
    const conflicts = Array.isArray(answer.conflicts) ? answer.conflicts : [];
    if (conflicts.length > 1) this.showConflicts(conflicts);
    else if (!answer.abstained && short && typeof short.text === "string" && short.text) {
      const lead = el("p", "short-answer");
      lead.append(el("strong", null, short.text));
      const cited = this.citationsByN.get(short.citation);
      if (cited) lead.append(" ", citeLink(short.citation, cited));
      this.root.insertBefore(lead, this.answer);
    }
    // The evidence is older than the question implies ("As of 20 May 2019 …"), or its window was empty.
    if (typeof answer.note === "string" && answer.note) {
      this.root.insertBefore(el("p", "time-note", answer.note), this.answer);
    }
    if (answer.abstained) {
      this.root.classList.add("abstained");
      const note = el("p", "abstain-note");
      note.append(el("strong", null, "No answer in these articles."));
      // the reason as a sentence (GET /vocabulary); the code itself stays in the data, never on screen
      const why = reasonSentences.get(answer.reason) || "The articles do not answer this question.";
      note.append(" ", why);
      this.root.insertBefore(note, this.answer);
    }
    this.showGenerator(answer);
    this.showMeta(answer, elapsedMs);
    this.root.setAttribute("aria-busy", "false");
    scrollToEnd();
  }

  /** Reports that disagree on the asked fact, side by side, newest first: each value, who said it, when. */
  showConflicts(conflicts) {
    const box = el("div", "conflicts");
    box.append(el("p", "conflicts-title", "Reports differ (newest first)"));
    const list = el("ul");
    for (const r of conflicts) {
      const item = el("li");
      item.append(el("strong", null, String(r.value ?? "")));
      const who = [r.source, r.date].filter(Boolean).join(", ");
      if (who) item.append(el("span", "conflict-source", who));
      const cited = this.citationsByN.get(r.citation);
      if (cited) item.append(" ", citeLink(r.citation, cited));
      list.append(item);
    }
    box.append(list);
    this.root.insertBefore(box, this.answer);
  }

  /** Who wrote the answer, under it: an LLM (its sentences checked), or the extracts it fell back to. */
  showGenerator(answer) {
    const generator = typeof answer.generator === "string" ? answer.generator : "";
    let text = null;
    if (answer.reason === "generator_unavailable") {
      text = "The language model was unavailable; showing the extracted answer.";
    } else if (generator.startsWith("openai:") && !answer.abstained) {
      const model = generator.slice("openai:".length) || "a language model";
      text = `Written by ${model}, every sentence checked against its sources.`;
      const unsupported = this.claims.filter((c) => c && c.supported === false).length;
      if (unsupported) {
        const which = unsupported === 1 ? "1 sentence is" : `${unsupported} sentences are`;
        text += ` ${which} not supported by them (marked “unverified”).`;
      }
    }
    if (!text) return;
    const note = el("p", "generator-note", text);
    if (generator) note.dataset.generator = generator;
    this.answer.after(note);
  }

  showMeta(answer, elapsedMs) {
    const parts = [];
    const w = answer.time_window || {};
    // Why older (or newer) articles were set aside: the window the question's time words made.
    if (w.narrowed && w.expression) parts.push(`“${w.expression}”: articles dated ${w.since || "…"} to ${w.until || "…"}`);
    else if (w.recency) parts.push("newest reports preferred");
    if (answer.as_of) parts.push(`newest report ${answer.as_of}`);
    if (w.as_of) parts.push(`question as of ${w.as_of}`);
    parts.push(formatSeconds(elapsedMs));
    const last = conversation.filter((m) => m.role === "user").at(-1);
    // A follow-up is searched as a rewritten question; showing it explains what was retrieved.
    if (answer.query && last && answer.query.trim() !== last.content.trim()) {
      parts.push(`searched: “${answer.query}”`);
    }
    this.meta.textContent = parts.join(" · ");
    const t = answer.timings || {};
    this.meta.title = Object.entries(t)
      .map(([stage, ms]) => `${stage} ${Math.round(ms)} ms`)
      .join(" · ");
    this.meta.hidden = false;
  }

  fail(error) {
    this.answer.classList.remove("streaming");
    this.status.remove();
    this.root.classList.add("failed");
    const message = el("p", "error");
    message.setAttribute("role", "alert");
    message.append(el("strong", null, "Couldn't answer: "), error.message || "unknown error");
    if (error.code) message.append(" ", el("code", null, error.code));
    this.root.append(message);
    this.root.setAttribute("aria-busy", "false");
    scrollToEnd();
  }
}

// ---- Who writes the answers --------------------------------------------------------------------------

// GET /vocabulary names the generators this server can use now (`configured`) and its default, from
// the server's registry. With more than one, the page offers the choice. The server's default is
// sent as no `generator` field at all, so the server stays in charge of it.
// reason code -> the sentence a person reads (GET /vocabulary `reasons`)
const reasonSentences = new Map();

const generatorState = {
  offered: false,
  names: [],
  serverDefault: null,
};

async function loadGenerators() {
  let vocabulary;
  try {
    const response = await fetch("/vocabulary", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    vocabulary = await response.json();
  } catch {
    return; // no choice offered: answers come from the server's default, as before
  }
  for (const reason of Array.isArray(vocabulary?.reasons) ? vocabulary.reasons : []) {
    if (reason && typeof reason.name === "string") reasonSentences.set(reason.name, String(reason.description));
  }
  const names = vocabulary && Array.isArray(vocabulary.configured) ? vocabulary.configured : [];
  if (names.length < 2) return;
  const described = new Map((vocabulary.generators || []).map((g) => [g.name, g.description]));
  ui.generator.replaceChildren(
    ...names.map((name) => {
      const option = el("option", "", name);
      option.value = name;
      option.title = described.get(name) || "";
      return option;
    }),
  );
  generatorState.offered = true;
  generatorState.names = names;
  generatorState.serverDefault = vocabulary.default_generator;
  ui.generator.value = vocabulary.default_generator;
  ui.generatorChoice.hidden = false;
}

/** The `generator` field for the next request, or null for the server's default. */
function chosenGenerator() {
  if (!generatorState.offered) return null;
  const value = ui.generator.value;
  if (!generatorState.names.includes(value)) return null;
  return value === generatorState.serverDefault ? null : value;
}

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.send.textContent = busy ? "Answering…" : "Send";
}

async function send(question) {
  const turnStart = conversation.length;
  conversation.push({ role: "user", content: question });
  addUserTurn(question);
  const turn = new AssistantTurn();
  const controller = new AbortController();
  inflight = controller;
  setBusy(true);
  const started = performance.now();
  const request = { messages: conversation.slice(-MAX_SENT_MESSAGES), stream: true };
  const generator = chosenGenerator();
  if (generator) request.generator = generator;
  // YYYY-MM-DD from the date input; empty: the server's RAG_AS_OF (today, or the newest article's date)
  if (ui.asOf && /^\d{4}-\d{2}-\d{2}$/.test(ui.asOf.value)) request.as_of = ui.asOf.value;
  try {
    const response = await fetch("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(request),
      signal: controller.signal,
    });
    if (!response.ok) throw await httpError(response);
    const type = response.headers.get("Content-Type") || "";
    const answer = type.includes("text/event-stream")
      ? await readAnswerStream(response.body, turn)
      : await response.json(); // a server may answer a plain JSON Answer even when asked to stream
    turn.finish(answer, performance.now() - started);
    conversation.push({ role: "assistant", content: turn.text });
  } catch (error) {
    if (controller.signal.aborted) return; // "New chat" pressed: the turn is already gone
    // Drop the unanswered question so the next request still alternates user/assistant turns,
    // and give it back to the box to retry unless something new was typed meanwhile.
    conversation.length = turnStart;
    if (!ui.question.value) {
      ui.question.value = question;
      autoGrow();
    }
    // fetch rejects with a TypeError when the server cannot be reached at all.
    if (error instanceof ChatError) turn.fail(error);
    else if (error instanceof TypeError) turn.fail(new ChatError("network", "Could not reach the server."));
    else turn.fail(new ChatError("client", String(error)));
  } finally {
    if (inflight === controller) {
      inflight = null;
      setBusy(false);
    }
  }
}

function newChat() {
  if (inflight) inflight.abort();
  inflight = null;
  setBusy(false);
  conversation.length = 0;
  ui.messages.querySelectorAll(".turn").forEach((node) => node.remove());
  ui.intro.hidden = false;
  if (ui.panel.open) ui.panel.close();
  ui.question.value = "";
  autoGrow();
  ui.question.focus();
}

function autoGrow() {
  // Grow with the text up to the CSS max-height, then scroll inside the box.
  ui.question.style.height = "auto";
  ui.question.style.height = `${ui.question.scrollHeight}px`;
}

// ---- The article panel ------------------------------------------------------------------------------

const articles = new Map(); // article_id -> Promise<article JSON>; a failed fetch is forgotten
let panelTicket = 0; // only the latest click may fill the panel (an earlier, slower fetch is dropped)

function fetchArticle(id) {
  if (!articles.has(id)) {
    const request = fetch(`/articles/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } })
      .then(async (response) => {
        if (!response.ok) throw await httpError(response);
        return response.json();
      })
      .catch((error) => {
        articles.delete(id);
        throw error;
      });
    articles.set(id, request);
  }
  return articles.get(id);
}

function renderArticleMeta(fields) {
  const parts = [fields.source, fields.date].filter(Boolean);
  const nodes = [parts.join(" · ")];
  const href = safeUrl(fields.url);
  if (href) {
    const link = el("a", "source-url", "Read the original ↗");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (parts.length) nodes.push(" · ");
    nodes.push(link);
  }
  ui.articleMeta.replaceChildren(...nodes);
}

/** Where the quote is in the article: the citation's offsets, else a search (the article may have changed). */
function locateQuote(text, citation) {
  const { start, end, quote } = citation;
  if (Number.isInteger(start) && Number.isInteger(end) && text.slice(start, end) === quote) return [start, end];
  const at = quote ? text.indexOf(quote) : -1;
  return at === -1 ? null : [at, at + quote.length];
}

async function openArticle(citation) {
  const ticket = ++panelTicket;
  // Show what the citation already knows while the full text loads.
  ui.articleTitle.textContent = citation.title || citation.article_id;
  renderArticleMeta(citation);
  ui.articleStatus.textContent = "Loading the article…";
  ui.articleBody.replaceChildren();
  if (!ui.panel.open) ui.panel.showModal();
  let article;
  try {
    article = await fetchArticle(citation.article_id);
  } catch (error) {
    if (ticket === panelTicket) ui.articleStatus.textContent = `Couldn't load the article: ${error.message}`;
    return;
  }
  if (ticket !== panelTicket) return;
  ui.articleTitle.textContent = article.title || citation.title || citation.article_id;
  renderArticleMeta({
    source: article.source ?? citation.source,
    date: article.date ?? citation.date,
    url: article.url ?? citation.url,
  });
  const text = typeof article.text === "string" ? article.text : "";
  const span = locateQuote(text, citation);
  if (!span) {
    ui.articleBody.replaceChildren(text);
    ui.articleStatus.textContent = "The quoted passage is no longer in this article; it may have been updated.";
    return;
  }
  const mark = el("mark", "quote", text.slice(span[0], span[1]));
  ui.articleBody.replaceChildren(text.slice(0, span[0]), mark, text.slice(span[1]));
  ui.articleStatus.textContent = `Quote [${citation.n}] is highlighted.`;
  mark.scrollIntoView({ block: "center" });
}

// ---- Wiring -----------------------------------------------------------------------------------------

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = ui.question.value.trim();
  if (!question || inflight) return;
  ui.question.value = "";
  autoGrow();
  send(question);
});

ui.question.addEventListener("keydown", (event) => {
  // isComposing: Enter that confirms an IME composition (Japanese, Chinese…) must not send.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.question.addEventListener("input", autoGrow);
ui.newChat.addEventListener("click", newChat);

// One listener for every marker and source, present and future.
ui.messages.addEventListener("click", (event) => {
  const target = event.target.closest("a.cite, a.source-link");
  if (!target) return;
  event.preventDefault();
  const turn = turns.get(target.closest(".turn"));
  const citation = turn && turn.citationsByN.get(Number(target.dataset.n));
  if (citation) openArticle(citation);
});

ui.panelClose.addEventListener("click", () => ui.panel.close());
// A click on the dialog element itself (not its content) is a click on the backdrop.
ui.panel.addEventListener("click", (event) => {
  if (event.target === ui.panel) ui.panel.close();
});

ui.question.focus();
loadGenerators();
