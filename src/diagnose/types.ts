import type { AppDeps } from '../http/context.ts';
import type { MailServers } from '../mail-servers.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { MailResource } from '../mailboxes/token-store.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import type { TokenClaims } from './token-claims.ts';

/** A step's outcome: it held, it is the broken link, or it does not apply (or was not reached). */
export type StepStatus = 'ok' | 'failed' | 'skipped';

/** Who must act for a failed step to pass (transport-error.ts's `WhoMustAct`, plus "the owner connects"). */
export type WhoMustAct = 'user' | 'administrator' | 'microsoft' | 'nobody';

/** What a step found, as shown on the page and in the API: never a token or a secret. */
export interface StepResult {
  /** Stable, e.g. `token_outlook`, `imap_login`, `send_as`. */
  readonly step: string;
  readonly title: string;
  readonly status: StepStatus;
  /** The wire code when there is one: `AADSTS7000222`, `5.7.139`, `imap.auth_failed`, `ErrorAccessDenied`. */
  readonly code: string | null;
  /** The server's own words when it said some (IMAP's NO/BAD text, SMTP's reply line, Graph's message). */
  readonly serverText?: string | null;
  readonly whoMustAct: WhoMustAct | null;
  /** What happened, in a sentence or two. */
  readonly message: string;
  /** The exact change to make: an Entra portal path or a PowerShell line; null when nothing is to change. */
  readonly fix: string | null;
  /** This step's section of the guide: `/docs/troubleshooting#<anchor>` (docs/troubleshooting.md). */
  readonly docs: string;
  /** What a token actually carries (decoded, never verified, never the token itself) against what is needed. */
  readonly token?: TokenReport;
}

export interface TokenReport {
  readonly resource: MailResource;
  readonly audience: string | null;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly expiresAt: string | null;
  readonly needed: { readonly scopes: readonly string[]; readonly roles: readonly string[] };
  readonly missing: readonly string[];
}

/** What a step returns: its result without the step's own name, title and default docs. */
export type StepOutcome = Omit<StepResult, 'step' | 'title' | 'docs'> & { readonly docs?: string };

/** How the mailbox is reached, decided once before the walk (choose-sending.ts's rule). */
export interface MailboxPlan {
  /** It sends over SMTP (SMTP EHLO and AUTH are checked, with the SMTP.Send scope). */
  readonly smtp: boolean;
  /** It uses Microsoft Graph (a Graph token and a Graph request are checked). */
  readonly graph: boolean;
}

/**
 * What the walk shares between its steps. Tokens are kept here in memory for the next steps only; they
 * are never part of a result.
 */
export interface DiagnoseContext {
  readonly deps: DiagnoseDeps;
  readonly mailbox: Mailbox;
  readonly plan: MailboxPlan;
  settings: MicrosoftSettings | null;
  servers: MailServers | null;
  readonly tokens: Map<MailResource, { readonly token: string; readonly claims: TokenClaims | null }>;
}

export type DiagnoseDeps = Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa'>;

/**
 * One link of the chain. `applies` says why it is skipped for this mailbox (a string) or that it runs
 * (true); `run` checks it, changing nothing but what a normal token refresh stores.
 */
export interface DiagnoseStep {
  readonly id: string;
  readonly title: string;
  readonly docs: string;
  applies(ctx: DiagnoseContext): true | string;
  run(ctx: DiagnoseContext): Promise<StepOutcome>;
}

export interface Diagnosis {
  readonly mailboxId: string;
  readonly address: string;
  readonly kind: Mailbox['kind'];
  /** `ok` when every step held or was skipped; otherwise the first broken link's step id. */
  readonly verdict: 'ok' | 'failed';
  /** The first failed step, when there is one. */
  readonly brokenStep: string | null;
  readonly steps: readonly StepResult[];
  readonly at: string;
}
