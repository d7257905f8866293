import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Secrets never reach them: these paths are censored wherever they appear, and code logs
 * codes and ids, not request bodies or tokens.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'code',
  '*.code',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export const createLogger = (level: string, destination?: pino.DestinationStream): Logger =>
  pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'mailroom' } },
    destination,
  );
