// Structured logs (pino) on stderr only: stdout belongs to JSON-RPC.
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * The process logger. Level from SWIFTPATTERNS_LOG_LEVEL (default `info`). Writes are
 * synchronous to fd 2, so lines are never lost on exit and never interleave with stdout.
 */
export function createLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const wanted = (env.SWIFTPATTERNS_LOG_LEVEL ?? 'info').toLowerCase();
  return pino(
    {
      name: 'swiftpatterns',
      level: levels.has(wanted) ? wanted : 'info',
      // Never let a secret reach a log line, whatever object a caller passes.
      redact: {
        paths: [
          'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
          'refreshToken', '*.refreshToken', 'refresh_token', '*.refresh_token',
          'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
          'authorization', '*.authorization', 'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything, for library code used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
