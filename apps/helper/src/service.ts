import type { HelperImplementation } from './dispatcher.js';
import type { EventHub } from './events.js';
import type { hostMethods } from './host/index.js';
import { containerMethods } from './services/containers.js';
import type { HelperContext } from './services/context.js';
import { networkMethods } from './services/networks.js';
import { statusMethods } from './services/status.js';
import { storageMethods } from './services/storage.js';
import { vmMethods } from './services/vms.js';

/** What the helper does once a call is authorized and its input checked: every method of the contract. */
export function helperImplementation(
  ctx: HelperContext,
  hub: EventHub,
  host: ReturnType<typeof hostMethods>,
): HelperImplementation {
  return {
    ...statusMethods(ctx),
    ...vmMethods(ctx),
    ...networkMethods(ctx),
    ...storageMethods(ctx),
    ...containerMethods({
      engines: ctx.engines,
      signalTo: (destination, payload) => {
        hub.sendTo(destination, 'ImageProgress', payload);
      },
    }),
    ...host,
    ...hub.methods(),
  };
}
