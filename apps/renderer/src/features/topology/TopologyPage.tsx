import type { NovaClient } from '../../api/client.js';

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the page's helper fills this in
export function TopologyPage(_props: { client: NovaClient }) {
  return (
    <section aria-labelledby="topology-title">
      <h1 id="topology-title">Topology</h1>
    </section>
  );
}
