import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One changing call, as the audit log keeps it. */
export interface AuditEntry {
  time: string;
  uid: number | undefined;
  sender: string;
  method: string;
  action: string;
  arguments: unknown;
  result: 'ok' | 'refused' | 'error';
  error?: string;
}

export const DEFAULT_AUDIT_LOG = '/var/log/nova/audit.log';

const SECRET_KEYS = new Set(['userData', 'env', 'password', 'secret', 'token']);
const MAX_STRING = 512;

/** Arguments as the log may keep them: secrets replaced, long strings cut. */
export function redact(value: unknown, key = ''): unknown {
  if (SECRET_KEYS.has(key)) return '<redacted>';
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 64).map((item) => redact(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

/**
 * The record of what the helper did as root, and for whom: one JSON line per changing call, in a file
 * only root reads. Writing it never fails a call: a log that cannot be written is reported on stderr.
 */
export class AuditLog {
  #ready: Promise<void> | undefined;

  constructor(
    readonly file: string = process.env['NOVA_AUDIT_LOG'] ?? DEFAULT_AUDIT_LOG,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    try {
      this.#ready ??= mkdir(dirname(this.file), { recursive: true, mode: 0o750 }).then(() => undefined);
      await this.#ready;
      await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    } catch (err) {
      this.warn(
        `nova-helper: cannot write the audit log ${this.file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
