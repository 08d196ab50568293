import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  CHANNEL_NAMES,
  channels,
  ERROR_CODES,
  errorCodeForHelperErrorName,
  EVENT_NAMES,
  exitCodeFor,
  HELPER_ERROR_NAMES,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  helperIntrospectionXml,
  helperMethods,
  helperSignals,
  InstanceList,
  isContractNameSpelling,
  NovaError,
  POLKIT_ACTIONS,
  resultSchema,
  toErrorData,
} from '../src/index.js';

describe('error codes', () => {
  it('map to the CLI exit codes', () => {
    expect(ERROR_CODES.map((code) => [code, exitCodeFor(code)])).toEqual([
      ['invalid-input', 2],
      ['not-authorized', 3],
      ['not-found', 1],
      ['conflict', 1],
      ['backend-unavailable', 4],
      ['failed', 1],
    ]);
  });

  it('survive a round trip as data, detail included', () => {
    const error = new NovaError('not-authorized', 'refused', 'ask an admin');
    const copy = NovaError.fromData(
      JSON.parse(JSON.stringify(error.toData())) as ReturnType<NovaError['toData']>,
    );
    expect(copy).toBeInstanceOf(NovaError);
    expect(copy.toData()).toEqual({ code: 'not-authorized', message: 'refused', detail: 'ask an admin' });
  });

  it('turn a schema failure into invalid-input naming the field', () => {
    const result = z.object({ engine: z.enum(['docker']) }).safeParse({ engine: 'x' });
    expect(result.success).toBe(false);
    const data = toErrorData(result.error);
    expect(data.code).toBe('invalid-input');
    expect(data.message).toMatch(/^engine: /);
  });

  it('turn an unexpected exception into failed with its message', () => {
    expect(toErrorData(new TypeError('boom'))).toEqual({ code: 'failed', message: 'boom' });
    expect(toErrorData('plain')).toEqual({ code: 'failed', message: 'plain' });
  });

  it('have one D-Bus error name each, mapped back to the same code', () => {
    const names = Object.values(HELPER_ERROR_NAMES);
    expect(new Set(names).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(errorCodeForHelperErrorName(HELPER_ERROR_NAMES[code])).toBe(code);
    expect(errorCodeForHelperErrorName('org.freedesktop.DBus.Error.Failed')).toBeUndefined();
  });
});

describe('renderer↔main channels', () => {
  it('are named as the preload lets them through', () => {
    for (const name of [...CHANNEL_NAMES, ...EVENT_NAMES])
      expect(isContractNameSpelling(name), name).toBe(true);
  });

  it('are told apart from what is not spelled like a contract name', () => {
    for (const name of [
      '',
      'instances',
      'Instances.list',
      'instances..list',
      '.list',
      'a.b/c',
      'a.b c',
      1,
      null,
    ]) {
      expect(isContractNameSpelling(name), String(name)).toBe(false);
    }
    expect(isContractNameSpelling(`a.${'b'.repeat(100)}`)).toBe(false);
  });

  it('refuse unknown input keys', () => {
    expect(channels['instances.list'].input.safeParse({ surprise: 1 }).success).toBe(false);
    expect(channels['instances.list'].input.safeParse({}).success).toBe(true);
  });

  it('carry results that are either a value or error data', () => {
    const schema = resultSchema(InstanceList);
    expect(schema.safeParse({ ok: true, value: { instances: [], sources: [] } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'failed', message: 'x' } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'teapot', message: 'x' } }).success).toBe(false);
    expect(schema.safeParse({ ok: true, value: { instances: 'no' } }).success).toBe(false);
  });
});

/** An element of D-Bus introspection XML, its attributes without a prefix. */
interface Introspected {
  name?: string;
  type?: string;
  direction?: string;
  value?: string;
  interface?: Introspected[];
  method?: Introspected[];
  signal?: Introspected[];
  arg?: Introspected[];
  annotation?: Introspected[];
}

const introspectionParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['interface', 'method', 'signal', 'arg', 'annotation'].includes(name),
});

describe('helper methods', () => {
  it('name one VM by its name or its UUID, exactly one of the two', () => {
    const uuid = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const pause = helperMethods.PauseDomain.input;
    expect(pause.parse({ uuid })).toEqual({ uuid, foreign: false });
    expect(pause.parse({ name: 'web' })).toEqual({ name: 'web', foreign: false });
    expect(pause.safeParse({}).success).toBe(false);
    expect(pause.safeParse({ name: 'web', uuid }).success).toBe(false);
    expect(pause.safeParse({ uuid: uuid.toUpperCase() }).success).toBe(false);
    expect(pause.safeParse({ uuid: `${uuid}/../x` }).success).toBe(false);
    const stop = helperMethods.StopDomain.input;
    expect(stop.safeParse({ mode: 'destroy' }).success).toBe(false);
    expect(stop.parse({ uuid, mode: 'destroy' })).toMatchObject({ uuid, mode: 'destroy' });
    expect(helperMethods.GetDomainInfo.input.safeParse({}).success).toBe(false);
    expect(helperMethods.GetDomainInfo.input.parse({ uuid })).toEqual({ uuid });
  });

  it('each name a declared polkit action', () => {
    for (const spec of Object.values(helperMethods))
      expect(Object.keys(POLKIT_ACTIONS)).toContain(spec.action);
  });

  it('are introspected as the tables say: a polkit action, a request, an optional call id, a reply', () => {
    const xml = helperIntrospectionXml();
    expect(xml).toMatch(
      /^<!DOCTYPE node PUBLIC "-\/\/freedesktop\/\/DTD D-BUS Object Introspection 1\.0\/\/EN"\n/,
    );
    const { node } = introspectionParser.parse(xml) as { node: Introspected };
    expect(node.name).toBe(HELPER_OBJECT_PATH);
    expect(node.interface?.map((face) => face.name)).toEqual([
      HELPER_INTERFACE,
      'org.freedesktop.DBus.Introspectable',
      'org.freedesktop.DBus.Peer',
    ]);
    const [helper, introspectable, peer] = node.interface ?? [];
    expect(helper?.method).toEqual(
      Object.entries(helperMethods).map(([name, spec]) => ({
        name,
        annotation: [{ name: 'dev.nova.PolkitAction', value: spec.action }],
        arg: [
          { name: 'request', type: 's', direction: 'in' },
          {
            name: 'callId',
            type: 's',
            direction: 'in',
            annotation: [{ name: 'dev.nova.Optional', value: 'true' }],
          },
          { name: 'reply', type: 's', direction: 'out' },
        ],
      })),
    );
    expect(helper?.signal).toEqual(
      Object.keys(helperSignals).map((name) => ({ name, arg: [{ name: 'event', type: 's' }] })),
    );
    expect(introspectable?.method).toEqual([
      { name: 'Introspect', arg: [{ name: 'xml', type: 's', direction: 'out' }] },
    ]);
    expect(peer?.method).toEqual([
      { name: 'Ping' },
      { name: 'GetMachineId', arg: [{ name: 'machine_uuid', type: 's', direction: 'out' }] },
    ]);
  });

  it('refuse a socket path where an engine name is expected', () => {
    expect(helperMethods.ListContainers.input.safeParse({ engine: '/var/run/docker.sock' }).success).toBe(
      false,
    );
    expect(helperMethods.ListContainers.input.safeParse({ engine: 'bolt' }).success).toBe(false);
    expect(helperMethods.ListContainers.input.safeParse({ engine: 'podman' }).success).toBe(true);
  });
});
