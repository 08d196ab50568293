import { useEffect, useState } from 'react';

import type { NovaClient } from './api/client.js';
import { MetricsPage } from './features/metrics/MetricsPage.js';
import { NetworksPage } from './features/networks/NetworksPage.js';
import { OverviewPage } from './features/overview/OverviewPage.js';
import { SettingsPage } from './features/settings/SettingsPage.js';
import { TemplatesPage } from './features/templates/TemplatesPage.js';
import { TopologyPage } from './features/topology/TopologyPage.js';
import { Notifications } from './shell/Notifications.js';
import { type PageId, PAGES, parseRoute, type Route, routeHref } from './shell/routes.js';
import type { InstancesStore } from './stores/instances.js';

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
        {page[route.page]()}
      </main>
      <Notifications />
    </div>
  );
}
