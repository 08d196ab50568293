import { z } from 'zod';

import {
  HELPER_BUS_NAME,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  helperMethods,
  helperSignals,
  isChangingMethod,
  POLKIT_ACTIONS,
} from '../contract/helper/index.js';

function fields(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const names = Object.keys(json.properties ?? {});
  if (names.length === 0) return '`{}`';
  return names
    .map((name) => (json.required?.includes(name) === true ? `\`${name}\`` : `\`${name}?\``))
    .join(', ');
}

/** docs/reference/helper-api.md: the helper's methods, signals and polkit actions, from the contract. */
export function helperReferenceMarkdown(): string {
  const lines = [
    '<!-- Generated from packages/core/src/contract/helper/ by `npm run generate`. Do not edit. -->',
    '# The helper’s D-Bus API',
    '',
    `Bus name \`${HELPER_BUS_NAME}\` on the system bus, object \`${HELPER_OBJECT_PATH}\`, interface \`${HELPER_INTERFACE}\`.`,
    'Every method takes a JSON document (a string) and, optionally, a call id (a second string: signature',
    '`ss`, or `s` without it), and returns one JSON string; signals carry one. The schemas are in',
    '`packages/core/src/contract/helper/`. Every method is authorized with polkit, for the caller’s',
    'unique bus name, before the helper reads its arguments.',
    '',
    '## Call ids and the audit log',
    '',
    'A call id is 1 to 64 letters, digits, dots, underscores or dashes, chosen by the caller (Nova’s',
    'client sends a fresh random one with every call, and its errors carry it); a call without one gets',
    'one the helper makes (`helper-…`). Any other value is refused as `dev.nova.Helper1.Error.InvalidInput`',
    'naming `callId`. The audit log (`/var/log/nova/audit.log`, one JSON object per line, readable by root',
    'only) records every changing call, allowed or not, and every call polkit refused, reads included;',
    'reads that succeed are not recorded. Each entry has: `time`, `callId`, `callIdBy` (`caller` or',
    '`helper`), `serial` (the D-Bus serial of the call’s message), `uid` and `sender` (the caller’s uid',
    'and unique bus name), `method`, `action` (the polkit action), `arguments` (the checked request, with',
    'secrets such as cloud-init user data and environment values replaced by `<redacted>`; absent when',
    'polkit refused the call, whose request is then never read, or when the request was not valid),',
    '`result` (`ok`, `refused` or `error`) and `error` (the error code and message).',
    '',
    '## Methods',
    '',
    '| method | polkit action | changes | input | what it does |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(helperMethods).map(
      ([name, spec]) =>
        `| \`${name}\` | \`${spec.action}\` | ${isChangingMethod(name as keyof typeof helperMethods) ? 'yes' : 'no'} | ${fields(spec.input)} | ${spec.summary.replaceAll('|', '\\|')} |`,
    ),
    '',
    '## Signals',
    '',
    'Sent only to clients that called `Subscribe` (and were allowed `dev.nova.events.read`), as unicast signals.',
    '',
    '| signal | payload |',
    '| --- | --- |',
    ...Object.entries(helperSignals).map(([name, schema]) => `| \`${name}\` | ${fields(schema)} |`),
    '',
    '## polkit actions',
    '',
    'Defaults: reads need no password for a user at the machine (an active local session) and are refused',
    'to others; changes ask for an administrator’s password (kept for a few minutes). Grant actions to a',
    'group with a rules file, such as `/etc/polkit-1/rules.d/50-nova.rules`:',
    '',
    '```js',
    'polkit.addRule(function (action, subject) {',
    "  if (action.id.indexOf('dev.nova.') === 0 && subject.isInGroup('nova')) return polkit.Result.YES;",
    '});',
    '```',
    '',
    '| action | any | inactive | active | description |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(POLKIT_ACTIONS).map(
      ([id, spec]) =>
        `| \`${id}\` | ${spec.defaults.allowAny} | ${spec.defaults.allowInactive} | ${spec.defaults.allowActive} | ${spec.description} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
