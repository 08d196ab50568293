// One chart of one or two figures over time, with an accessible name and a text summary of the
// newest values (for screen readers, and for anyone who wants the number rather than the line).
import type { MetricPointData, MetricsWindow } from '@nova/core';
import { useId } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

import { formatClock } from './metrics-format.js';

type PointField = Exclude<keyof MetricPointData, 't'>;

interface ChartLine {
  field: PointField;
  /** What the line shows, in words ("read", "received"). */
  label: string;
}

export interface MetricChartProps {
  /** The chart's accessible name ("Host CPU"). */
  title: string;
  lines: readonly ChartLine[];
  points: readonly MetricPointData[];
  /** The newest figures (may be newer than the last point, for the coarse windows). */
  latest: MetricPointData | undefined;
  format: (value: number | undefined) => string;
  window: MetricsWindow;
  /** The y axis' top for percentages (100), else the data's. */
  max?: number;
}

export function MetricChart({ title, lines, points, latest, format, window, max }: MetricChartProps) {
  const summaryId = useId();
  const newest = latest ?? points.at(-1);
  const summary =
    newest === undefined
      ? `${title}: no figures yet.`
      : `${title} at ${formatClock(newest.t)}: ${lines
          .map((line) => `${line.label} ${format(newest[line.field])}`)
          .join(', ')}.`;
  const data = points as MetricPointData[];
  return (
    <figure className="metrics-chart" aria-label={title} aria-describedby={summaryId}>
      <figcaption className="metrics-chart-title">
        <span>{title}</span>
        <span className="metrics-chart-now" aria-hidden="true">
          {lines
            .map((line) => `${lines.length > 1 ? `${line.label} ` : ''}${format(newest?.[line.field])}`)
            .join(' · ')}
        </span>
      </figcaption>
      <div className="metrics-chart-plot" aria-hidden="true">
        <ResponsiveContainer width="100%" height={140}>
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(t: number) => formatClock(t, window === '15m')}
              minTickGap={40}
            />
            <YAxis
              width={72}
              domain={[0, max ?? 'auto']}
              tickFormatter={(value: number) => format(value)}
              allowDecimals={false}
            />
            <Tooltip
              labelFormatter={(t) => formatClock(Number(t))}
              formatter={(value) => format(typeof value === 'number' ? value : undefined)}
              isAnimationActive={false}
            />
            {lines.map((line, index) => (
              <Line
                key={line.field}
                className={`metrics-line metrics-line-${String(index)}`}
                dataKey={line.field}
                name={line.label}
                type="linear"
                dot={false}
                connectNulls
                isAnimationActive={false}
                strokeWidth={2}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p id={summaryId} className="visually-hidden">
        {summary}
      </p>
    </figure>
  );
}
