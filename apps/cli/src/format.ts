import type { Instance, InstanceList, NovaErrorData, VersionReport } from '@nova/core';

/** Lays rows out in columns separated by two spaces; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function where(instance: Instance): string {
  return instance.kind === 'vm'
    ? instance.connection
    : `${instance.engine}${instance.via === 'helper' ? ' (via helper)' : ''}`;
}

export function formatInstanceList(list: InstanceList): string {
  if (list.instances.length === 0) return 'No instances.';
  return table([
    ['KIND', 'NAME', 'STATE', 'ORIGIN', 'WHERE'],
    ...list.instances.map((instance) => [
      instance.kind,
      instance.name,
      instance.state,
      instance.origin,
      where(instance),
    ]),
  ]);
}

export function formatError(error: NovaErrorData, prefix = 'nova'): string {
  return `${prefix}: ${error.message}${error.detail === undefined ? '' : `\n  ${error.detail}`}`;
}

/** Warnings for the sources that did not answer, one per source. */
export function formatSourceProblems(list: InstanceList): string[] {
  return list.sources.flatMap((source) =>
    source.error === undefined ? [] : [formatError(source.error, `nova: ${source.id}`)],
  );
}

export function formatVersion(report: VersionReport): string {
  const header = `Nova ${report.nova} (Node ${report.node})`;
  const rows = report.components.map((component) => [
    component.name,
    component.status,
    component.version ?? '-',
    component.detail,
  ]);
  return `${header}\n${table([['COMPONENT', 'STATUS', 'VERSION', 'DETAIL'], ...rows])}`;
}
