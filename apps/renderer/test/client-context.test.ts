import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import { App } from '../src/App.js';
import { ClientProvider, useClient } from '../src/shell/client-context.js';
import { createInstancesStore } from '../src/stores/instances.js';

// A transport that never answers: these tests look at what renders, not at calls.
const silent = (kind: Transport['kind']): Transport => ({
  kind,
  call: () => new Promise(() => undefined),
  subscribe: () => () => undefined,
});

function Mode() {
  return createElement('span', null, useClient().mode);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the client context', () => {
  it('gives a component the client of the nearest provider', () => {
    const outer = new NovaClient(silent('browser'));
    const inner = new NovaClient(silent('electron'));
    const html = renderToStaticMarkup(
      createElement(
        ClientProvider,
        { client: outer },
        createElement(Mode),
        createElement(ClientProvider, { client: inner }, createElement(Mode)),
      ),
    );
    expect(html).toBe('<span>browser</span><span>electron</span>');
  });

  it('refuses a component rendered without a provider', () => {
    expect(() => renderToStaticMarkup(createElement(Mode))).toThrow(/needs a <ClientProvider>/);
  });

  it('is how the app shell gets its client, as in main.tsx', () => {
    vi.stubGlobal('location', { hash: '#/settings' });
    const client = new NovaClient(silent('electron'));
    const html = renderToStaticMarkup(
      createElement(
        ClientProvider,
        { client },
        createElement(App, { useInstances: createInstancesStore(client) }),
      ),
    );
    expect(html).toContain('title="How this window reaches Nova’s backend">Desktop</span>');
  });
});
