// The checks before Nova changes a bridge: whose it is, and whether the caller consented to moving an
// interface's addresses (which can cut the host off the network).
import { NovaError } from '@nova/core';

import type { BridgeRecord } from './bridge-records.js';
import { type BridgeOrigin, bridgeOrigin, type Link } from './links.js';

export function uplinkRefusal(dev: string, bridge: string): NovaError {
  return new NovaError(
    'not-authorized',
    `enslaving ${dev} to bridge ${bridge} can cut this host's network connection, and the caller did not consent to it`,
    'Pass --allow-uplink ' + dev + ' to nova apply.',
  );
}

const ORIGIN_WORDS: Record<BridgeOrigin, string> = {
  nova: 'Nova',
  libvirt: 'libvirt',
  docker: 'Docker or Podman',
  system: 'the system',
};

/** The bridge to change, if the caller may change it: Nova's own, or any other only when forced. */
export function changeableBridge(
  links: readonly Link[],
  registry: Readonly<Record<string, BridgeRecord>>,
  libvirt: readonly string[],
  name: string,
  force: boolean,
): { link: Link; origin: BridgeOrigin } {
  const link = links.find((candidate) => candidate.name === name);
  if (link === undefined) throw new NovaError('not-found', `there is no host bridge named "${name}"`);
  if (link.infoKind !== 'bridge')
    throw new NovaError('invalid-input', `host interface "${name}" is not a bridge`);
  const origin = bridgeOrigin(name, registry[name], libvirt);
  if (origin !== 'nova' && !force)
    throw new NovaError(
      'conflict',
      `bridge "${name}" was not created by Nova (it belongs to ${ORIGIN_WORDS[origin]}); Nova does not change system bridges`,
      'Repeat with force if you really mean to change it.',
    );
  return { link, origin };
}
