// Asks for the list of instances as soon as the page's <head> is read, while the app's bundle is still
// being fetched, parsed and run (a few hundred milliseconds on a slow machine): the transport hands this
// answer to the instances store's first listing, which checks it like any other. vite.config.ts builds
// it as a classic script of its own, right after <title>; at run time it imports only api/http-call.ts
// (the transport's request, which takes nothing but the call path from the contract), so that it is
// tiny. Both the bridge and postCall are typed by channel: a channel the contract lacks, or a wrong
// input, does not compile.
import { postCall } from './api/http-call.js';
import type { EarlyCalls } from './api/transport.js';

const early: EarlyCalls = new Map();
if (window.nova !== undefined) {
  early.set('instances.list', window.nova.invoke('instances.list', {}));
} else {
  early.set('instances.list', postCall('instances.list', '{}'));
}
// Not taken (another page than the overview, or an error): nobody must hear of it.
for (const pending of early.values()) pending.catch(() => undefined);
window.novaEarly = early;
