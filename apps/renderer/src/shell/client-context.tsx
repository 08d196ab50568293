// The one way the renderer's components reach Nova's backend: the window's client, provided once at the
// root (main.tsx) and read with useClient(). A test renders a component under a ClientProvider of its
// own (a client over a fake transport) exactly as the app does. Stores take the client as an argument
// from the component that creates or uses them, so they never look for one themselves.
import { createContext, type ReactNode, useContext } from 'react';

import type { NovaClient } from '../api/client.js';

const ClientContext = createContext<NovaClient | undefined>(undefined);

/** Makes `client` the client of every component below it. */
export function ClientProvider({ client, children }: { client: NovaClient; children?: ReactNode }) {
  return <ClientContext value={client}>{children}</ClientContext>;
}

/** The client of the nearest ClientProvider; throws when there is none (a component rendered alone). */
export function useClient(): NovaClient {
  const client = useContext(ClientContext);
  if (client === undefined) throw new Error('useClient() needs a <ClientProvider> above the component');
  return client;
}
