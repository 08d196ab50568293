import { lazy, Suspense, useEffect, useState } from 'react';

import type { NovaClient } from './api/client.js';
import { NetworksPage } from './features/networks/NetworksPage.js';
import { OverviewPage } from './features/overview/OverviewPage.js';
import { SettingsPage } from './features/settings/SettingsPage.js';
import { TemplatesPage } from './features/templates/TemplatesPage.js';
import { Notifications } from './shell/Notifications.js';
import { type PageId, PAGES, parseRoute, type Route, routeHref } from './shell/routes.js';
import type { InstancesStore } from './stores/instances.js';

// The graph and chart libraries load with their pages, so that the overview comes up first.
const TopologyPage = lazy(() =>
  import('./features/topology/TopologyPage.js').then((module) => ({ default: module.TopologyPage })),
);
const MetricsPage = lazy(() =>
  import('./features/metrics/MetricsPage.js').then((module) => ({ default: module.MetricsPage })),
);

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => {
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', changed);
    return () => {
      removeEventListener('hashchange', changed);
    };
  }, []);
  return route;
}

export function App({ client, useInstances }: { client: NovaClient; useInstances: InstancesStore }) {
  const route = useRoute();
  const title = PAGES.find((page) => page.id === route.page)?.title ?? 'Overview';
  useEffect(() => {
    document.title = `${title} · Nova`;
  }, [title]);
  const page: Record<PageId, () => React.ReactNode> = {
    overview: () => <OverviewPage useInstances={useInstances} />,
    topology: () => <TopologyPage client={client} />,
    metrics: () => <MetricsPage client={client} />,
    networks: () => <NetworksPage client={client} selected={route.params['select']} />,
    templates: () => <TemplatesPage />,
    settings: () => <SettingsPage />,
  };
  return (
    <div className="app">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <span className="brand">Nova</span>
        <span className="mode" title="How this window reaches Nova’s backend">
          {client.mode === 'electron' ? 'Desktop' : 'Browser mode'}
        </span>
        <ul className="nav-list">
          {PAGES.map((entry) => (
            <li key={entry.id}>
              <a
                href={routeHref(entry.id)}
                aria-current={entry.id === route.page ? 'page' : undefined}
                className="nav-link"
              >
                {entry.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" tabIndex={-1}>
        <Suspense fallback={<p aria-busy="true">Loading…</p>}>{page[route.page]()}</Suspense>
      </main>
      <Notifications />
    </div>
  );
}
