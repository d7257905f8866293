import type { RunningEmulator } from '../../emulator/start.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON Graph answered.
type Json = any;

export interface GraphAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Json;
  readonly bytes: Buffer;
}

/**
 * One request to the emulator's Graph (`/v1.0…` or an absolute link it gave, followed verbatim). A JSON body
 * is sent as JSON; a Buffer or string as it is, with the given Content-Type.
 */
export const graph = async (
  emu: RunningEmulator,
  token: string | null,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<GraphAnswer> => {
  const headers: Record<string, string> = {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...init.headers,
  };
  let body: string | Uint8Array | undefined;
  if (typeof init.body === 'string' || Buffer.isBuffer(init.body)) body = init.body as string | Uint8Array;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const url = path.startsWith('http') ? path : `${emu.httpUrl}${path}`;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    json: type.includes('json') && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : null,
    bytes,
  };
};

/** Follows `@odata.nextLink`s to the `@odata.deltaLink`; every item, the number of pages and the delta link. */
export const deltaRound = async (
  emu: RunningEmulator,
  token: string,
  first: string,
  headers: Record<string, string> = {},
): Promise<{ items: Json[]; pages: number; deltaLink: string }> => {
  const items: Json[] = [];
  let pages = 0;
  let link = first;
  for (;;) {
    const page = await graph(emu, token, link, { headers });
    if (page.status !== 200) throw new Error(`delta page ${link}: ${page.status} ${page.bytes.toString()}`);
    pages += 1;
    items.push(...page.json.value);
    if (page.json['@odata.deltaLink']) return { items, pages, deltaLink: page.json['@odata.deltaLink'] };
    link = page.json['@odata.nextLink'];
  }
};
