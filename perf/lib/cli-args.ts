// Parsing of the harness's numeric flags, with messages that name the flag and the value.

export class UsageError extends Error {
  override name = 'UsageError';
}

/** An integer >= `min`, or undefined when the flag is absent. */
export function intFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  }
  return number;
}

/** A positive number of milliseconds, or undefined when absent. */
export function msFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number of milliseconds, got "${value}"`);
  }
  return number;
}

/** A positive number (a ratio such as 0.2), or undefined when absent. */
export function positiveFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  }
  return number;
}

/** `90s`, `2m`, `1500ms` or a bare number of seconds, as milliseconds. */
export function durationFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new UsageError(`--${name} must look like 30s, 2m or 1500ms, got "${value}"`);
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(amount * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

/** One of `allowed`, or a usage error listing them. */
export function choiceFlag<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
