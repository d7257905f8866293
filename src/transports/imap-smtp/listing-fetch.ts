import type { Duplex, Writable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { type FetchedSource, FetchResponseError, readFetchResponse } from './fetch-response.ts';
import { ImapError, isAccessTokenExpired, toImapError } from './imap-error.ts';
import { imapStream } from './imap-stream.ts';
import { type RawResponse, ResponseSplitter, ResponseTooLargeError } from './response-splitter.ts';

/**
 * The listing's FETCH, read off the session's socket by Mailroom instead of imapflow: imapflow turns each
 * response into a tree of tokens and objects (~60 µs a message here, the whole budget of a listing at the
 * wire's pace, README *Ingest*); the listing wants five items of a response whose shape it knows. For one
 * `UID FETCH` the session's socket is unpiped from imapflow's parser and read here (response-splitter.ts,
 * fetch-response.ts); every response that is not this command's (EXISTS, EXPUNGE, an unsolicited FETCH of
 * flags, BYE, another tag's answer) is written to imapflow's parser as it came, so the session's state and
 * events stay imapflow's; at the command's end the socket is piped back. The session must be idle (no
 * command in flight, nothing unread, no IDLE, no COMPRESS): otherwise, or if imapflow's internals are not
 * as expected, imapflow's own `fetch` is used.
 */
export async function* fetchSources(
  client: ImapFlow,
  uidSet: string,
  maxBytes: number,
): AsyncGenerator<FetchedSource> {
  const session = takeable(client);
  if (!session) {
    yield* viaImapflow(client, uidSet, maxBytes);
    return;
  }
  yield* readOwnFetch(session, uidSet, maxBytes);
}

/** The members of imapflow 2.x (dist/esm/imap-flow.js) the takeover uses; checked at run time. */
interface ImapflowInternals {
  readonly usable: boolean;
  readonly idling: boolean;
  readonly socket: Duplex | null | false;
  readonly writeSocket: Writable | null | false;
  readonly streamer: Writable & { readonly readableLength: number };
  readonly currentRequest: unknown;
  readonly requestQueue: readonly unknown[];
  readonly _inflate?: unknown;
  /** Set while a response is being processed: imapflow's socket timeout then re-arms instead of probing. */
  _processingResponse: boolean;
}

interface Session {
  readonly internals: ImapflowInternals;
  readonly close: () => void;
  readonly socket: Duplex;
  readonly write: Writable;
}

const takeable = (client: ImapFlow): Session | null => {
  const c = client as unknown as Partial<ImapflowInternals>;
  const { socket, writeSocket, streamer } = c;
  if (!socket || !writeSocket || !streamer || typeof streamer.write !== 'function') return null;
  if (!c.usable || c.idling || c._inflate || c.currentRequest || c.requestQueue?.length) return null;
  if (streamer.readableLength > 0 || typeof c._processingResponse !== 'boolean') return null;
  return { internals: c as ImapflowInternals, socket, write: writeSocket, close: () => client.close() };
};

/** Parsed messages held before the socket is paused: the listing's memory stays bounded. */
const HIGH_WATER = 256;
/** A response line (not its literals) longer than this ends the session: no server sends one. */
const MAX_LINE_BYTES = 1024 * 1024;

let tagCounter = 0;

async function* readOwnFetch(
  session: Session,
  uidSet: string,
  maxBytes: number,
): AsyncGenerator<FetchedSource> {
  const { socket, internals } = session;
  const streamer = internals.streamer;
  const tag = `M${++tagCounter}`;
  const ready: FetchedSource[] = [];
  let finished = false;
  let handedBack = false;
  let failure: ImapError | null = null;
  let bye: string | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const fail = (error: ImapError) => {
    failure ??= error;
    notify();
  };
  const splitter = new ResponseSplitter(
    (response) => {
      if (finished) return void streamer.write(response.raw());
      const done = completion(response, tag);
      if (done) {
        finished = true;
        if (done.status !== 'OK') fail(statusError(done));
        return notify();
      }
      const message = readFetchResponse(response);
      if (!message) {
        if (/^\* BYE /i.test(response.text)) bye = response.text.slice(6).trim();
        return void streamer.write(response.raw());
      }
      ready.push(message);
      if (ready.length >= HIGH_WATER && !socket.isPaused()) {
        socket.pause();
        internals._processingResponse = true;
      }
      notify();
    },
    { maxLineBytes: MAX_LINE_BYTES, maxLiteralBytes: Math.max(maxBytes, 64 * 1024) },
  );
  /** The socket goes back to imapflow's parser, with whatever came after the command's end. */
  const handBack = () => {
    if (handedBack) return;
    handedBack = true;
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
    internals._processingResponse = false;
    const rest = splitter.takeRest();
    if (rest.length > 0) streamer.write(rest);
    socket.pipe(streamer);
  };
  const onData = (chunk: Buffer) => {
    try {
      splitter.push(chunk);
    } catch (error) {
      if (error instanceof FetchResponseError || error instanceof ResponseTooLargeError)
        return fail(new ImapError('imap.protocol', null, error.message, { cause: error }));
      throw error;
    }
    if (finished) handBack();
  };
  const onClose = () =>
    fail(
      bye && isAccessTokenExpired(bye)
        ? new ImapError('imap.token_expired', null, bye, { cause: null })
        : new ImapError('imap.closed', null, bye, { cause: null }),
    );
  socket.unpipe(streamer);
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.resume();
  try {
    session.write.write(
      `${tag} UID FETCH ${uidSet} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.${maxBytes}>)\r\n`,
    );
    for (;;) {
      if (failure) throw failure;
      const next = ready.shift();
      if (next) {
        if (ready.length < HIGH_WATER / 2 && socket.isPaused() && !handedBack) {
          internals._processingResponse = false;
          socket.resume();
        }
        yield next;
        continue;
      }
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!finished) {
      // Left mid-response (the caller stopped, the server broke the protocol or went away): what the
      // session is in is no longer known, so it is ended; the sync's next session starts clean.
      handBack();
      session.close();
    }
  }
}

/** The tagged answer to the listing's command: `M3 OK …`, `M3 NO […] …`. */
const completion = (
  response: RawResponse,
  tag: string,
): { status: string; code: string | null; text: string } | null => {
  if (!response.text.startsWith(`${tag} `)) return null;
  const m = /^\S+ (OK|NO|BAD)(?: \[([^\]\s]+)[^\]]*\])? ?([^\r\n]*)/i.exec(response.text.slice(0, 1024));
  if (!m) return { status: 'BAD', code: null, text: response.text.slice(0, 200).trim() };
  return { status: m[1]!.toUpperCase(), code: m[2]?.toUpperCase() ?? null, text: m[3]!.trim() };
};

/** A NO or BAD classified as imapflow's rejections are (throttling, UNAVAILABLE, Exchange's words). */
const statusError = (done: { code: string | null; text: string }): ImapError =>
  toImapError({ responseText: done.text, serverResponseCode: done.code });

/** imapflow's own FETCH, as the listing used before, for a session that cannot be taken over. */
async function* viaImapflow(
  client: ImapFlow,
  uidSet: string,
  maxBytes: number,
): AsyncGenerator<FetchedSource> {
  const query = { uid: true, flags: true, internalDate: true, size: true, source: { maxLength: maxBytes } };
  for await (const msg of imapStream(client.fetch(uidSet, query, { uid: true })))
    yield {
      uid: msg.uid,
      flags: [...(msg.flags ?? [])],
      internalDate: msg.internalDate instanceof Date ? msg.internalDate : null,
      size: msg.size ?? null,
      source: msg.source ?? null,
    };
}
