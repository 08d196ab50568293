import type { NovaClient } from './api/client.js';
import { InstancesPage } from './features/instances/InstancesPage.js';
import type { InstancesStore } from './stores/instances.js';

export function App({ client, useInstances }: { client: NovaClient; useInstances: InstancesStore }) {
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <span className="brand">Nova</span>
        <span className="mode" title="How this window reaches Nova’s backend">
          {client.mode === 'electron' ? 'Desktop' : 'Browser mode'}
        </span>
      </nav>
      <main>
        <InstancesPage useInstances={useInstances} />
      </main>
    </div>
  );
}
