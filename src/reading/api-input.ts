import { z } from 'zod';
import { MAX_QUERY_LENGTH } from '../messages/search.ts';

/** What the reading routes read (reading/api.ts); the OpenAPI document shows the same schemas. */

const yesNo = z.enum(['true', 'false']);

export const listQuery = z.object({
  folder: z.string().min(1).max(1000).optional().describe('Only this folder (its path)'),
  q: z.string().max(MAX_QUERY_LENGTH).optional().describe('Search subject, sender, recipients and text'),
  unread: yesNo.optional().describe('Only messages no copy of which is seen'),
  cursor: z.string().max(1000).optional().describe('From the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size'),
});

export const messageQuery = z.object({
  remoteImages: yesNo.optional().describe('Keep remote images in the HTML'),
});

export const flagsBody = z
  .strictObject({ seen: z.boolean().optional(), flagged: z.boolean().optional() })
  .refine((b) => b.seen !== undefined || b.flagged !== undefined, 'Send "seen", "flagged" or both.');
