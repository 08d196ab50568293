import { type HelperMethodGroup, helperMethodGroups, helperMethods } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { EventHub } from '../src/events.js';
import { hostMethods } from '../src/host/index.js';
import { OriginRegistry } from '../src/origins.js';
import { helperImplementation } from '../src/service.js';
import { containerMethods } from '../src/services/containers.js';
import type { HelperContext } from '../src/services/context.js';
import { networkMethods } from '../src/services/networks.js';
import { statusMethods } from '../src/services/status.js';
import { storageMethods } from '../src/services/storage.js';
import { vmCloneAndNicMethods } from '../src/services/vm-clone-nics.js';
import { vmLifecycleMethods } from '../src/services/vm-lifecycle.js';
import { vmReadMethods } from '../src/services/vm-reads.js';
import { vmSnapshotMethods } from '../src/services/vm-snapshots.js';

// Building the methods talks to nothing, and no method is called here: what they would talk to
// (libvirt, the bus, the engines) is left out.
const ctx = {} as HelperContext;
const hub = new EventHub({} as never, {} as never, {} as never, {}, () => undefined);
const host = hostMethods({
  origins: new OriginRegistry('/nonexistent/origins.json'),
  libvirtBridges: () => Promise.resolve([]),
});

const names = (methods: object) => Object.keys(methods).sort();

describe('the helper’s implementation', () => {
  it('has exactly the contract’s methods', () => {
    expect(names(helperImplementation(ctx, hub, host))).toEqual(names(helperMethods));
  });

  it('implements each group of the contract’s table in one place, and nothing else there', () => {
    const places: [string, object, HelperMethodGroup[]][] = [
      ['statusMethods', statusMethods(ctx), ['status']],
      ['vmReadMethods', vmReadMethods(ctx), ['vmReads']],
      ['vmLifecycleMethods', vmLifecycleMethods(ctx), ['vmLifecycle']],
      ['vmSnapshotMethods', vmSnapshotMethods(ctx), ['vmSnapshots']],
      ['vmCloneAndNicMethods', vmCloneAndNicMethods(ctx), ['vmCloneAndNics']],
      ['networkMethods', networkMethods(ctx), ['networks']],
      ['hostMethods', host, ['hostBridges']],
      ['storageMethods', storageMethods(ctx), ['storage']],
      [
        'containerMethods',
        containerMethods({ engines: ctx.engines, signalTo: () => undefined }),
        ['containers', 'images', 'engineObjects'],
      ],
      ['EventHub.methods', hub.methods(), ['events']],
    ];
    for (const [place, methods, groups] of places) {
      expect(names(methods), place).toEqual(
        groups.flatMap((group) => Object.keys(helperMethodGroups[group])).sort(),
      );
    }
    expect(places.flatMap(([, , groups]) => groups).sort()).toEqual(Object.keys(helperMethodGroups).sort());
  });
});
