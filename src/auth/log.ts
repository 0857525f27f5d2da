// The logger shape the auth and Patreon modules accept: pino's, narrowed to what they call,
// so a pino Logger, a child logger or a test recorder all fit. Silent unless one is given.

export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface AuthLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
}

const drop: LogFn = () => {};

export const silentAuthLogger: AuthLogger = { info: drop, warn: drop, error: drop, debug: drop };
