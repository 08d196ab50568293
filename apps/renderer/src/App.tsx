import { lazy, Suspense, useEffect, useState } from 'react';

import { OverviewPage } from './features/overview/OverviewPage.js';
import { SettingsPage } from './features/settings/SettingsPage.js';
import { useClient } from './shell/client-context.js';
import { Notifications } from './shell/Notifications.js';
import { type PageId, PAGES, parseRoute, type Route, routeHref } from './shell/routes.js';
import type { InstancesStore } from './stores/instances.js';

// Pages other than the overview load when first opened (the graph and chart libraries with theirs),
// so that the overview comes up first.
const TopologyPage = lazy(() =>
  import('./features/topology/TopologyPage.js').then((module) => ({ default: module.TopologyPage })),
);
const WizardPage = lazy(() =>
  import('./features/wizard/WizardPage.js').then((module) => ({ default: module.WizardPage })),
);
const MetricsPage = lazy(() =>
  import('./features/metrics/MetricsPage.js').then((module) => ({ default: module.MetricsPage })),
);
const NetworksPage = lazy(() =>
  import('./features/networks/NetworksPage.js').then((module) => ({ default: module.NetworksPage })),
);
const TemplatesPage = lazy(() =>
  import('./features/templates/TemplatesPage.js').then((module) => ({ default: module.TemplatesPage })),
);
const DiagnosticsPage = lazy(() =>
  import('./features/diagnostics/DiagnosticsPage.js').then((module) => ({ default: module.DiagnosticsPage })),
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

/** The window's shell and its pages; every component below reaches the backend through useClient(). */
export function App({ useInstances }: { useInstances: InstancesStore }) {
  const client = useClient();
  const route = useRoute();
  const title = PAGES.find((page) => page.id === route.page)?.title ?? 'Overview';
  useEffect(() => {
    document.title = `${title} · Nova`;
  }, [title]);
  const page: Record<PageId, () => React.ReactNode> = {
    overview: () => <OverviewPage useInstances={useInstances} />,
    topology: () => <TopologyPage />,
    wizard: () => (
      <WizardPage
        template={route.params['template']}
        consent={route.params['consent']}
        pool={route.params['pool']}
      />
    ),
    metrics: () => <MetricsPage />,
    networks: () => <NetworksPage useInstances={useInstances} selected={route.params['select']} />,
    diagnostics: () => <DiagnosticsPage />,
    templates: () => <TemplatesPage selected={route.params['select']} />,
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
