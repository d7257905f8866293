/**
 * Decodes an XOAUTH2 initial response: base64("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
 * (ms-identity-spec.md §13.2). Returns `null` when it is not one.
 */
export const decodeXoauth2 = (base64: string): { user: string; token: string } | null => {
  const text = Buffer.from(base64.trim(), 'base64').toString('utf8');
  const parts = text.split('\x01');
  const user = parts.find((p) => p.startsWith('user='))?.slice(5);
  const auth = parts.find((p) => p.toLowerCase().startsWith('auth='))?.slice(5);
  const token = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
  if (!user || !token) return null;
  return { user, token };
};
