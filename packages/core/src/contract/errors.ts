import { z } from 'zod';

/** The closed set of error codes that cross every boundary (docs/architecture.md). */
export const ERROR_CODES = [
  'invalid-input',
  'not-authorized',
  'not-found',
  'conflict',
  'backend-unavailable',
  'failed',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const NovaErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  detail: z.string().optional(),
});
export type NovaErrorData = z.infer<typeof NovaErrorData>;

/** An error that carries one of the contract's codes; it survives every hop as {@link NovaErrorData}. */
export class NovaError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'NovaError';
    this.code = code;
    this.detail = detail;
  }

  toData(): NovaErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }

  static fromData(data: NovaErrorData): NovaError {
    return new NovaError(data.code, data.message, data.detail);
  }
}

/** Turns anything thrown into error data; unknown exceptions become `failed` with their message. */
export function toErrorData(err: unknown): NovaErrorData {
  if (err instanceof NovaError) return err.toData();
  if (err instanceof z.ZodError) {
    return { code: 'invalid-input', message: describeZodError(err) };
  }
  if (err instanceof Error) return { code: 'failed', message: err.message };
  return { code: 'failed', message: String(err) };
}

/** A path segment as a message shows it: a record key the caller chose is quoted, and cut if long. */
function pathSegment(segment: PropertyKey): string {
  if (typeof segment === 'number' || /^[A-Za-z0-9_-]{1,64}$/.test(String(segment))) return String(segment);
  const text = String(segment);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Every issue as `field.path: what is wrong`, so that a refusal names the field it is about. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(pathSegment).join('.') : '(input)';
      // A record key's own problem is nested: "Invalid key in record" alone would not say which rule.
      const nested =
        issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join(', ') : '';
      return `${where}: ${issue.message}${nested === '' ? '' : ` (${nested})`}`;
    })
    .join('; ');
}

/** Exit codes of the `nova` command for each error code (docs/cli.md lists them). */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  'invalid-input': 2,
  'not-authorized': 3,
  'not-found': 1,
  conflict: 1,
  'backend-unavailable': 4,
  failed: 1,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
}

/** A reply that carries either a value or error data, so that errors cross a hop intact. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: NovaErrorData };

export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: NovaErrorData }),
  ]);
}
