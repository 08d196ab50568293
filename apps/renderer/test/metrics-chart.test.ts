import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { MetricChart } from '../src/features/metrics/MetricChart.js';
import { formatBytes, formatPercent, formatRate } from '../src/features/metrics/metrics-format.js';

describe('MetricChart', () => {
  it('is a figure named by its title, described by a summary of the newest values', () => {
    const html = renderToStaticMarkup(
      createElement(MetricChart, {
        title: 'Host network',
        lines: [
          { field: 'netRxBps', label: 'received' },
          { field: 'netTxBps', label: 'sent' },
        ],
        points: [
          { t: Date.UTC(2026, 10, 26, 0, 0, 1), netRxBps: 1, netTxBps: 2 },
          { t: Date.UTC(2026, 10, 26, 0, 0, 2), netRxBps: 2048, netTxBps: 3 * 2 ** 20 },
        ],
        latest: undefined,
        format: formatRate,
        window: '15m',
      }),
    );
    expect(html).toMatch(/<figure[^>]*aria-label="Host network"[^>]*aria-describedby="([^"]+)"/);
    const id = /aria-describedby="([^"]+)"/.exec(html)?.[1] ?? '';
    const summary = new RegExp(`<p id="${id}" class="visually-hidden">([^<]*)</p>`).exec(html)?.[1];
    expect(summary).toMatch(/^Host network at \d\d:\d\d:02: received 2\.0 KiB\/s, sent 3\.0 MiB\/s\.$/);
  });

  it('says so when it has no figures yet', () => {
    const html = renderToStaticMarkup(
      createElement(MetricChart, {
        title: 'web CPU',
        lines: [{ field: 'cpuPercent', label: 'CPU' }],
        points: [],
        latest: undefined,
        format: formatPercent,
        window: '1h',
      }),
    );
    expect(html).toContain('web CPU: no figures yet.');
  });
});

describe('figures in words', () => {
  it('writes bytes, rates and percentages', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 2 ** 20)).toBe('300 MiB');
    expect(formatRate(undefined)).toBe('–');
    expect(formatPercent(3.14159)).toBe('3.1 %');
    expect(formatPercent(150.4)).toBe('150 %');
  });
});
