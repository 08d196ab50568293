import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { NovaClient } from './api/client.js';
import { defaultTransport } from './api/transport.js';
import { App } from './App.js';
import { ClientProvider } from './shell/client-context.js';
import { applyTheme } from './shell/theme.js';
import { createInstancesStore } from './stores/instances.js';

applyTheme();
// The window's one client: every component gets it from the ClientProvider below, and the instances
// store, made here for the whole window, is given it.
const client = new NovaClient(defaultTransport());
const useInstances = createInstancesStore(client);
// For the window's lifetime: main starts following the engines and libvirt when this subscribes.
useInstances.getState().listen();
// The first listing starts now, while React renders the shell: the overview joins it.
void useInstances.getState().load();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ClientProvider client={client}>
      <App useInstances={useInstances} />
    </ClientProvider>
  </StrictMode>,
);
