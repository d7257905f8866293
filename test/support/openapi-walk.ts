/**
 * How the contract test calls each operation of the OpenAPI document: who calls, with which ids, body and
 * query, and the status expected. A table per part of the API (openapi-walk-*.ts); the test fails for an
 * operation of the document that has no entry, and for an entry the document does not have.
 */
import type { ContractWorld } from './contract-world.ts';
import type { Json } from './send-fixture.ts';

export type Caller = 'admin' | 'staff' | 'sam' | 'anonymous';

export interface Call {
  readonly as: Caller;
  /** The value of each path parameter. */
  readonly params?: Record<string, string>;
  /** The query string, without `?`. */
  readonly query?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** The error's stable code, where the walk means one in particular. */
  readonly code?: string;
  /**
   * After a valid answer: what the walk keeps for later operations (an id it made), or checks, so that a
   * schema is not only ever checked against an empty list.
   */
  readonly after?: (json: Json) => void;
}

/** `GET /api/mailboxes/{id}` → the calls to make, built when the walk reaches it (ids made earlier exist). */
export type Walks = readonly (readonly [string, (w: ContractWorld) => readonly Call[]])[];

/** An id nothing has: for the 404s. */
export const UNKNOWN = '00000000-0000-4000-8000-000000000000';
