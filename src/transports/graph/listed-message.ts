import { z } from 'zod';

export interface GraphAddress {
  readonly name: string | null;
  readonly address: string | null;
}

export type FlagStatus = 'notFlagged' | 'flagged' | 'complete';

/** What a listing needs of a message, from delta or a list (graph-mail-spec.md §3). Absent fields are null. */
export interface ListedMessage {
  /** Immutable id (every request sends `Prefer: IdType="ImmutableId"`). */
  readonly id: string;
  /** RFC 5322 Message-ID with its angle brackets, as Graph gives it. */
  readonly internetMessageId: string | null;
  readonly subject: string | null;
  readonly from: GraphAddress | null;
  readonly to: readonly GraphAddress[];
  /** UTC ISO-8601. */
  readonly receivedDateTime: string | null;
  readonly isRead: boolean | null;
  readonly flagStatus: FlagStatus | null;
  readonly hasAttachments: boolean | null;
  /** PR_MESSAGE_SIZE when asked for (v1.0 has no size property); otherwise null. */
  readonly size: number | null;
  readonly parentFolderId: string | null;
}

/** Fields asked for with `$select` on delta and lists. */
export const LISTING_SELECT = [
  'id',
  'internetMessageId',
  'subject',
  'from',
  'toRecipients',
  'receivedDateTime',
  'isRead',
  'flag',
  'hasAttachments',
  'parentFolderId',
].join(',');

/**
 * MAPI's PidTagMessageSize (0x0E08, PT_LONG) as a single-value extended property: the only way v1.0 tells a
 * message's size. `$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0E08')`.
 */
export const SIZE_PROPERTY_ID = 'Integer 0x0E08';
export const SIZE_EXPAND = `singleValueExtendedProperties($filter=id eq '${SIZE_PROPERTY_ID}')`;

const addressSchema = z.looseObject({
  emailAddress: z.looseObject({ name: z.string().nullish(), address: z.string().nullish() }).nullish(),
});

export const messageSchema = z.looseObject({
  id: z.string().min(1),
  internetMessageId: z.string().nullish(),
  subject: z.string().nullish(),
  from: addressSchema.nullish(),
  toRecipients: z.array(addressSchema).nullish(),
  receivedDateTime: z.string().nullish(),
  isRead: z.boolean().nullish(),
  flag: z.looseObject({ flagStatus: z.enum(['notFlagged', 'flagged', 'complete']).nullish() }).nullish(),
  hasAttachments: z.boolean().nullish(),
  parentFolderId: z.string().nullish(),
  singleValueExtendedProperties: z
    .array(z.looseObject({ id: z.string(), value: z.string().nullish() }))
    .nullish(),
});

const addressOf = (value: z.infer<typeof addressSchema> | null | undefined): GraphAddress | null =>
  value?.emailAddress
    ? { name: value.emailAddress.name ?? null, address: value.emailAddress.address ?? null }
    : null;

const sizeOf = (props: z.infer<typeof messageSchema>['singleValueExtendedProperties']): number | null => {
  const raw = props?.find((p) => p.id.toLowerCase() === SIZE_PROPERTY_ID.toLowerCase())?.value;
  const size = raw ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(size) && size >= 0 ? size : null;
};

export const toListedMessage = (m: z.infer<typeof messageSchema>): ListedMessage => ({
  id: m.id,
  internetMessageId: m.internetMessageId ?? null,
  subject: m.subject ?? null,
  from: addressOf(m.from),
  to: (m.toRecipients ?? []).map(addressOf).filter((a): a is GraphAddress => a !== null),
  receivedDateTime: m.receivedDateTime ?? null,
  isRead: m.isRead ?? null,
  flagStatus: m.flag?.flagStatus ?? null,
  hasAttachments: m.hasAttachments ?? null,
  size: sizeOf(m.singleValueExtendedProperties),
  parentFolderId: m.parentFolderId ?? null,
});
