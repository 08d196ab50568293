import XMLBuilder from 'fast-xml-builder';

import { POLKIT_ACTIONS } from '../contract/helper/index.js';

/** apps/helper/data/dev.nova.policy, from the contract's table of polkit actions. */
export function polkitPolicyXml(): string {
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    indentBy: '  ',
  });
  const body = builder.build({
    policyconfig: {
      vendor: 'Nova',
      vendor_url: 'https://nova.dev',
      action: Object.entries(POLKIT_ACTIONS).map(([id, spec]) => ({
        '@id': id,
        description: spec.description,
        message: spec.message,
        defaults: {
          allow_any: spec.defaults.allowAny,
          allow_inactive: spec.defaults.allowInactive,
          allow_active: spec.defaults.allowActive,
        },
      })),
    },
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"',
    ' "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">',
    '<!-- Generated from POLKIT_ACTIONS in packages/core/src/contract/helper/polkit.ts by `npm run generate`. -->',
    body.trimEnd(),
    '',
  ].join('\n');
}
