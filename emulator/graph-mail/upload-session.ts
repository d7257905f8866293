import type { MessageLocation } from './ids.ts';

/** An attachment upload in progress on a draft (graph-mail-spec.md §5, "Draft + large attachment"). */
export interface UploadSession {
  readonly id: string;
  /** The pre-authenticated URL's secret: the PUTs carry no Authorization. */
  readonly authToken: string;
  readonly mailbox: string;
  readonly draft: MessageLocation;
  readonly name: string;
  readonly contentType: string;
  readonly isInline: boolean;
  readonly contentId: string | null;
  readonly size: number;
  readonly expiresAt: number;
  readonly chunks: Buffer[];
  received: number;
}
