import { sparklinePoints } from '../../stores/overview-view.js';

const WIDTH = 48;
const HEIGHT = 14;

/** Recent CPU use as a small line; decorative (the number beside it says the same). */
export function Sparkline({ values }: { values: readonly number[] }) {
  const points = sparklinePoints(values, WIDTH, HEIGHT);
  if (points === '') return null;
  return (
    <svg
      className="sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      aria-hidden="true"
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
