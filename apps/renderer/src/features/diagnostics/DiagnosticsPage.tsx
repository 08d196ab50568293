// Diagnostics: every check of `nova diag` with its status and fix, and a support bundle made with
// progress. The bundle is written on the machine that runs Nova's backend (the path is shown) and can
// be downloaded into this window, which in browser mode over SSH runs on another machine.
import './diagnostics.css';

import {
  type BundleProgress,
  type BundleResult,
  type DiagCheckResult,
  type DiagReport,
  type DiagStatus,
  NovaError,
  type RedactionLevel,
  toErrorData,
} from '@nova/core';
import { useCallback, useEffect, useRef, useState } from 'react';

import { useClient } from '../../shell/client-context.js';

const STATUS_WORD: Record<DiagStatus, string> = {
  ok: 'OK',
  warn: 'Warning',
  fail: 'Failed',
  skipped: 'Skipped',
};

const REDACTION_LABELS: Record<RedactionLevel, string> = {
  standard: 'Standard: passwords, tokens, keys, cloud-init user data',
  strict: 'Strict: also host names, user names, MAC and IP addresses',
  none: 'None: nothing is removed (check before sharing)',
};

const errorMessage = (err: unknown) => {
  const data = toErrorData(err);
  return data.detail === undefined ? data.message : `${data.message} ${data.detail}`;
};

function summaryText(report: DiagReport): string {
  const { ok, warn, fail, skipped } = report.summary;
  return `${report.checks.length} checks: ${ok} OK, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skipped} skipped`;
}

function CheckRow({ check }: { check: DiagCheckResult }) {
  return (
    <tr className={`diag-row diag-${check.status}`}>
      <th scope="row">{check.title}</th>
      <td>
        <span className={`diag-status diag-status-${check.status}`}>{STATUS_WORD[check.status]}</span>
      </td>
      <td>{check.detail}</td>
      <td>{check.fix === undefined || check.status === 'ok' ? '—' : check.fix}</td>
    </tr>
  );
}

/** Saves bytes the backend sent as a file where this window runs (a download). */
function saveFile(fileName: string, base64: string): void {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/gzip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}

function BundleSection() {
  const client = useClient();
  const [redact, setRedact] = useState<RedactionLevel>('standard');
  const [logs, setLogs] = useState(true);
  const [system, setSystem] = useState(true);
  const [metrics, setMetrics] = useState(true);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<BundleProgress | undefined>(undefined);
  const [result, setResult] = useState<BundleResult | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [downloading, setDownloading] = useState(false);
  const busyRef = useRef(false);

  useEffect(
    () =>
      client.on('support.progress', (event) => {
        if (busyRef.current) setProgress(event);
      }),
    [client],
  );

  const create = async () => {
    busyRef.current = true;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setProgress(undefined);
    try {
      setResult(await client.call('support.bundle', { redact, logs, system, metrics }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };

  const download = async (bundle: BundleResult) => {
    setDownloading(true);
    setError(undefined);
    try {
      const file = await client.call('support.download', { bundleId: bundle.bundleId });
      saveFile(file.fileName, file.base64);
    } catch (err) {
      setError(err instanceof NovaError ? errorMessage(err) : String(err));
    } finally {
      setDownloading(false);
    }
  };

  const redactions = result === undefined ? [] : Object.entries(result.redactions);
  return (
    <section aria-labelledby="bundle-title" className="bundle-section">
      <h2 id="bundle-title">Support bundle</h2>
      <p className="hint">
        One tar.gz with versions, these checks, logs, your NovaFile, Nova’s libvirt XML, network and engine
        state and recent metrics, for whoever helps you. Secrets are removed before anything is written.
      </p>
      <form
        className="bundle-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <label className="field">
          Redaction
          <select
            value={redact}
            disabled={busy}
            onChange={(event) => {
              setRedact(event.target.value as RedactionLevel);
            }}
          >
            {(['standard', 'strict', 'none'] as const).map((level) => (
              <option key={level} value={level}>
                {REDACTION_LABELS[level]}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={logs}
            disabled={busy}
            onChange={(event) => {
              setLogs(event.target.checked);
            }}
          />
          Include logs
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={system}
            disabled={busy}
            onChange={(event) => {
              setSystem(event.target.checked);
            }}
          />
          Include host network and engine state
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={metrics}
            disabled={busy}
            onChange={(event) => {
              setMetrics(event.target.checked);
            }}
          />
          Include recent metrics
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating support bundle…' : 'Create support bundle'}
        </button>
      </form>
      {busy ? (
        <div className="bundle-progress">
          <progress
            aria-label="Support bundle progress"
            max={progress?.total ?? 1}
            value={progress === undefined ? 0 : progress.index - (progress.status === 'started' ? 1 : 0)}
          />
          <span role="status">
            {progress === undefined
              ? 'Starting…'
              : `Step ${progress.index} of ${progress.total}: ${progress.step}${progress.status === 'started' ? '…' : ` (${progress.status})`}`}
          </span>
        </div>
      ) : null}
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error}
        </div>
      )}
      {result === undefined ? null : (
        <div className="bundle-result" role="status">
          <p>
            Support bundle created: <strong>{result.fileName}</strong> (
            {Math.max(1, Math.round(result.sizeBytes / 1024))} KiB, {result.files} files). Saved on the Nova
            host at <code>{result.path}</code>.
          </p>
          <p>
            Redacted:{' '}
            {redactions.length === 0
              ? 'nothing'
              : redactions.map(([kind, count]) => `${count} ${kind}`).join(', ')}
            .
            {result.skipped.length === 0
              ? ''
              : ` Left out: ${result.skipped.length} sources (listed in manifest.json).`}
          </p>
          <button type="button" disabled={downloading} onClick={() => void download(result)}>
            {downloading ? 'Downloading…' : `Download ${result.fileName}`}
          </button>
        </div>
      )}
    </section>
  );
}

export function DiagnosticsPage() {
  const client = useClient();
  const [report, setReport] = useState<DiagReport | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>(undefined);

  const finish = useCallback((outcome: Promise<DiagReport>, live: () => boolean = () => true) => {
    outcome.then(
      (value) => {
        if (!live()) return;
        setReport(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live()) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
  }, []);

  const run = () => {
    setLoading(true);
    setError(undefined);
    finish(client.call('diag.run', {}));
  };

  // The checks run once when the page opens; "Run checks again" repeats them.
  useEffect(() => {
    let live = true;
    finish(client.call('diag.run', {}), () => live);
    return () => {
      live = false;
    };
  }, [client, finish]);

  return (
    <section aria-labelledby="diagnostics-title" className="page">
      <header className="page-header">
        <h1 id="diagnostics-title">Diagnostics</h1>
        <span className="count" aria-live="polite">
          {report === undefined ? '' : summaryText(report)}
        </span>
        <button type="button" onClick={run} disabled={loading}>
          {loading ? 'Checking…' : 'Run checks again'}
        </button>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error}
        </div>
      )}
      {report === undefined && loading ? <p aria-busy="true">Running checks…</p> : null}
      {report === undefined ? null : (
        <table aria-label="Checks" className="diag-table">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Status</th>
              <th scope="col">Detail</th>
              <th scope="col">Fix</th>
            </tr>
          </thead>
          <tbody>
            {report.checks.map((check) => (
              <CheckRow key={check.id} check={check} />
            ))}
          </tbody>
        </table>
      )}
      <BundleSection />
    </section>
  );
}
