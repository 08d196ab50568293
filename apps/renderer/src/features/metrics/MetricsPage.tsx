import type { NovaClient } from '../../api/client.js';

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the page's helper fills this in
export function MetricsPage(_props: { client: NovaClient }) {
  return (
    <section aria-labelledby="metrics-title">
      <h1 id="metrics-title">Metrics</h1>
    </section>
  );
}
