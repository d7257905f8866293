/** The header block of an RFC 5322 message (up to the first empty line), unfolded. */
export const headerBlock = (message: Buffer): string => {
  const end = message.indexOf('\r\n\r\n');
  const endLf = message.indexOf('\n\n');
  const stop = end >= 0 ? end : endLf >= 0 ? endLf : message.length;
  return message.toString('utf8', 0, stop).replace(/\r?\n[ \t]+/g, ' ');
};

export const headerValue = (headers: string, name: string): string | null => {
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im');
  return re.exec(headers)?.[1]?.trim() ?? null;
};

/** The address of a From/Sender value: `"Adele" <adele@contoso.example>` -> `adele@contoso.example`. */
export const addressOf = (value: string | null): string | null => {
  if (!value) return null;
  const angle = /<([^>]+)>/.exec(value);
  const address = (angle?.[1] ?? value).trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
};
