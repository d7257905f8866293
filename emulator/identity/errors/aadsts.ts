// The AADSTS errors the emulator produces, with Microsoft's texts (ms-identity-spec.md §2.3, §5.3, §5.4, §6).
// One function per condition, named for the condition; the number is in the body.
import { assertionErrors } from './aadsts-assertion.ts';
import { signInErrors } from './aadsts-sign-in.ts';
import { tokenErrors } from './aadsts-token.ts';

export const aadsts = { ...signInErrors, ...tokenErrors, ...assertionErrors };
