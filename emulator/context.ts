import type { KeyRing } from './identity/signing-keys.ts';
import type { Directory } from './state/directory.ts';

/** What every part of the emulator is handed: the directory, the signing keys and how it names itself. */
export interface EmulatorContext {
  readonly dir: Directory;
  readonly keys: KeyRing;
  /**
   * The authority base URL written into metadata and tokens when set (e.g. `https://login.microsoftonline.com`
   * for a test that routes Microsoft's host name here). When `null`, the origin a request arrived on is used,
   * so the emulator is self-consistent on its HTTP and its HTTPS port alike.
   */
  readonly publicAuthority: string | null;
  /** Host name shown in Exchange-like banners. */
  readonly mailHost: string;
}

/** The authority base URL (no trailing slash) for a request that arrived at `requestUrl`. */
export const authorityOf = (ctx: EmulatorContext, requestUrl: string): string =>
  ctx.publicAuthority ?? new URL(requestUrl).origin;
