import { AppError, type AppErrorCode } from '../http/errors.ts';

/** Why a message cannot be queued or retried; each code has its HTTP status in src/http/errors.ts. */
export type SendErrorCode = Extract<AppErrorCode, `send.${string}`>;

export class SendError extends AppError {
  constructor(code: SendErrorCode, message: string) {
    super(code, message);
    this.name = 'SendError';
  }
}
