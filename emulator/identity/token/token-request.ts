import type { EmulatorContext } from '../../context.ts';
import type { TenantPath } from '../tenant-segment.ts';
import type { AuthenticatedClient } from './client-auth.ts';

/** A /token request after tenant and client checks, handed to the grant that serves it. */
export interface TokenRequest {
  readonly ctx: EmulatorContext;
  readonly path: TenantPath;
  readonly client: AuthenticatedClient;
  readonly form: Readonly<Record<string, string>>;
  /** Authority base URL the request arrived at (see `authorityOf`). */
  readonly authority: string;
}
