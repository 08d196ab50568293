import { describe, expect, it } from 'vitest';

import {
  BROWSER_CALL_PREFIX,
  BROWSER_EVENTS_PATH,
  browserCallPath,
  CHANNEL_NAMES,
  channelOfBrowserCallPath,
  decodeBrowserEvent,
  encodeBrowserEvent,
  isBrowserCallPath,
} from '../src/index.js';

describe('browser mode’s wire protocol', () => {
  it('puts calls and events where the server and the page both look', () => {
    expect(browserCallPath('instances.list')).toBe('/api/call/instances.list');
    expect(BROWSER_CALL_PREFIX).toBe('/api/call/');
    expect(BROWSER_EVENTS_PATH).toBe('/api/events');
    expect(isBrowserCallPath(BROWSER_EVENTS_PATH)).toBe(false);
  });

  it('reads back the channel of every call path it makes', () => {
    for (const channel of CHANNEL_NAMES) {
      const path = browserCallPath(channel);
      expect(isBrowserCallPath(path), path).toBe(true);
      expect(channelOfBrowserCallPath(path)).toBe(channel);
    }
  });

  it('decodes a call path as the page encoded it, and refuses a malformed escape', () => {
    expect(channelOfBrowserCallPath('/api/call/a%2Fb')).toBe('a/b');
    expect(() => channelOfBrowserCallPath('/api/call/%E0')).toThrow(URIError);
    expect(() => channelOfBrowserCallPath('/index.html')).toThrow(TypeError);
  });

  it('carries an event as the message the page decodes', () => {
    const text = encodeBrowserEvent('instances.changed', { reason: 'test' });
    expect(JSON.parse(text)).toEqual({ event: 'instances.changed', payload: { reason: 'test' } });
    expect(decodeBrowserEvent(text)).toEqual({ event: 'instances.changed', payload: { reason: 'test' } });
  });

  it('decodes nothing from a message that is not an event', () => {
    for (const text of ['', 'not json', 'null', '42', '[]', '{"payload":{}}', '{"event":7}']) {
      expect(decodeBrowserEvent(text), text).toBeUndefined();
    }
  });
});
