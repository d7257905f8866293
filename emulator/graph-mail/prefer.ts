import type { Context } from 'hono';
import type { IdType } from './ids.ts';

/** The `Prefer` preferences Graph mail honours (graph-mail-spec.md §3, §4); several may share one header. */
export interface Preferences {
  readonly idType: IdType;
  readonly maxPageSize: number | null;
  readonly textBody: boolean;
}

export const preferences = (c: Context): Preferences => {
  const parts = (c.req.header('prefer') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  let idType: IdType = 'rest';
  let maxPageSize: number | null = null;
  let textBody = false;
  for (const part of parts) {
    const [rawName, rawValue = ''] = part.split('=', 2);
    const name = (rawName ?? '').trim().toLowerCase();
    const value = rawValue.trim().replace(/^"|"$/g, '');
    if (name === 'idtype' && value.toLowerCase() === 'immutableid') idType = 'immutable';
    if (name === 'odata.maxpagesize' && /^\d{1,6}$/.test(value)) maxPageSize = Number(value);
    if (name === 'outlook.body-content-type' && value.toLowerCase() === 'text') textBody = true;
  }
  return { idType, maxPageSize, textBody };
};

/** `Preference-Applied` for what was honoured, as Graph answers. */
export const appliedHeader = (prefs: Preferences): Record<string, string> => {
  const applied: string[] = [];
  if (prefs.idType === 'immutable') applied.push('IdType="ImmutableId"');
  if (prefs.maxPageSize !== null) applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
  if (prefs.textBody) applied.push('outlook.body-content-type="text"');
  return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
};
