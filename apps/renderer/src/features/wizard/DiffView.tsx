// The preview of the NovaFile change the answers make, as a unified diff with a count of the lines
// added and removed; it follows every answer.
import type { WizardPreview } from '@nova/core';

const MARKS = { context: ' ', added: '+', removed: '−' } as const;

export function DiffView({ preview, file }: { preview: WizardPreview | undefined; file: string }) {
  const added = preview?.hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'added').length ?? 0;
  const removed = preview?.hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'removed').length ?? 0;
  return (
    <section aria-labelledby="wizard-diff-title" className="wizard-diff">
      <h2 id="wizard-diff-title">Change to the NovaFile</h2>
      <p className="note">
        {file}:{' '}
        {preview === undefined || preview.hunks.length === 0
          ? 'no change yet'
          : `${added} ${added === 1 ? 'line' : 'lines'} added, ${removed} removed`}
      </p>
      <div role="region" aria-label="Diff" tabIndex={0} className="diff-box">
        <pre>
          {(preview?.hunks ?? []).map((hunk, index) => (
            <span key={index}>
              <span className="diff-hunk">{`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@\n`}</span>
              {hunk.lines.map((line, lineIndex) => (
                <span key={lineIndex} className={`diff-${line.kind}`}>
                  {`${MARKS[line.kind]} ${line.text}\n`}
                </span>
              ))}
            </span>
          ))}
        </pre>
      </div>
    </section>
  );
}
