import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { LineAppender } from './json-lines.js';

/** One changing call, or one call polkit refused, as the audit log keeps it. */
export interface AuditEntry {
  time: string;
  /** The caller's id for the call (or the one the helper made when it gave none). */
  callId: string;
  /** Whether the caller chose `callId`, or the helper made it. */
  callIdBy: 'caller' | 'helper';
  /** The D-Bus serial of the call's message, unique per sender connection. */
  serial?: number;
  uid: number | undefined;
  sender: string;
  method: string;
  action: string;
  arguments: unknown;
  result: 'ok' | 'refused' | 'error';
  error?: string;
}

const DEFAULT_AUDIT_LOG = '/var/log/nova/audit.log';

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
  #lines: LineAppender | undefined;

  constructor(
    readonly file: string = process.env['NOVA_AUDIT_LOG'] ?? DEFAULT_AUDIT_LOG,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    try {
      this.#ready ??= mkdir(dirname(this.file), { recursive: true, mode: 0o750 }).then(() => undefined);
      await this.#ready;
      // One write per line: a crash cuts at most the line being written, which the next start cuts off.
      this.#lines ??= new LineAppender(this.file, {
        mode: 0o600,
        onTorn: (fragment) => {
          this.warn(
            `nova-helper: the audit log ${this.file} ended in an incomplete entry left by a crash; it was cut off: ${fragment}`,
          );
        },
      });
      await this.#lines.append(JSON.stringify(entry));
    } catch (err) {
      this.warn(
        `nova-helper: cannot write the audit log ${this.file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
