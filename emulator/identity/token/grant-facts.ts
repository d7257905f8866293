import type { AuthCode, RefreshTokenRecord } from '../../state/model.ts';

/**
 * What the model's AuthCode and RefreshTokenRecord don't hold but /token needs: whether MFA was done at
 * sign-in (AADSTS50076 once MFA becomes required later) and when the grant was first issued (AADSTS50173
 * compares it with the user's tokensValidFrom). Kept beside the records so the model stays as it is.
 */
export interface GrantFacts {
  readonly mfaDone: boolean;
  /** Sign-in instant of the grant (ms); successor refresh tokens inherit it. */
  readonly authTime: number;
}

const facts = new WeakMap<AuthCode | RefreshTokenRecord, GrantFacts>();

export const setGrantFacts = (record: AuthCode | RefreshTokenRecord, value: GrantFacts): void => {
  facts.set(record, value);
};

/** Records made elsewhere (e.g. by the control API) count as issued at their own time, without MFA. */
export const grantFactsOf = (record: AuthCode | RefreshTokenRecord): GrantFacts =>
  facts.get(record) ?? { mfaDone: false, authTime: 'authTime' in record ? record.authTime : record.issuedAt };
