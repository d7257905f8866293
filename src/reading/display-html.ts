import type { AppDeps } from '../http/context.ts';
import type { Message } from '../messages/message.ts';
import { htmlOf } from '../messages/queries.ts';
import type { SanitizedBytes } from './html-sanitizer.ts';
import { inlineImages } from './inline-images.ts';

/**
 * The HTML shown of one message is at most this many characters (Gmail clips at about 100 KB); the
 * whole is a download (`/html`). A bound on what is sanitised, sent and laid out per view.
 */
export const MAX_SHOWN_HTML = 250_000;

export interface ShownHtml extends SanitizedBytes {
  /** When only the beginning is shown: how long the shown part and the whole HTML are (characters). */
  readonly cut: { readonly shown: number; readonly whole: number } | null;
}

/**
 * The beginning that is shown of HTML cut at the bound (the database cuts by character, never inside
 * one): it ends after the last tag that closes within it, so no tag is left half-written.
 */
export const shownPart = (part: string, cut: boolean): string => {
  if (!cut) return part;
  const tagEnd = part.lastIndexOf('>');
  return tagEnd >= part.length / 2 ? part.slice(0, tagEnd + 1) : part;
};

/**
 * A message's HTML as shown: its beginning, sanitised off the request thread and once per message and way
 * of showing it (the page's count of blocked images and its frame share one run). A message row never
 * changes, so its id names its HTML, which is read from the database only when it must be sanitised.
 * Null for a message without HTML.
 */
export const displayHtml = async (
  deps: Pick<AppDeps, 'html' | 'blobs' | 'db'>,
  message: Message,
  view: { readonly allowRemoteImages: boolean; readonly inlineImages: boolean },
): Promise<ShownHtml | null> => {
  if (message.htmlLength === null) return null;
  const cut = message.htmlLength > MAX_SHOWN_HTML;
  const key = `${message.id}:${view.allowRemoteImages ? 'remote' : 'blocked'}:${view.inlineImages ? 'cid' : 'plain'}`;
  const sanitized = await deps.html.sanitize(key, async () => ({
    html: shownPart((await htmlOf(deps.db, message.id, MAX_SHOWN_HTML)) ?? '', cut),
    options: {
      allowRemoteImages: view.allowRemoteImages,
      ...(view.inlineImages ? { inlineImages: await inlineImages(deps.blobs, message.attachments) } : {}),
    },
  }));
  return { ...sanitized, cut: cut ? { shown: MAX_SHOWN_HTML, whole: message.htmlLength } : null };
};
