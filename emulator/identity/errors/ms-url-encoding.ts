// Microsoft's STS encodes redirect parameters like .NET's HttpUtility.UrlEncode: lower-case percent escapes,
// `+` for spaces, and `-_.!*()` left alone (ms-identity-spec.md §5.3), e.g.
// `error_description=AADSTS50105%3a+The+signed+in+user+%27%7bEmailHidden%7d%27+is+not+assigned...`

const UNRESERVED = /[A-Za-z0-9\-_.!*()]/;

export const msEncode = (value: string): string => {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
};

/** `a=1&b=2` in the given order. */
export const msQuery = (params: readonly (readonly [string, string])[]): string =>
  params.map(([k, v]) => `${msEncode(k)}=${msEncode(v)}`).join('&');
