import { describe, expect, it } from 'vitest';

import { isTrustedSender } from '../src/electron/trust.js';

describe('isTrustedSender', () => {
  it('trusts the top frame of Nova’s own origin', () => {
    expect(isTrustedSender({ url: 'app://nova/index.html', isTopFrame: true })).toBe(true);
  });

  it('refuses frames, other origins, look-alikes and missing frames', () => {
    expect(isTrustedSender({ url: 'app://nova/index.html', isTopFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://example.com/', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'app://nova.evil/index.html', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'app://novaa/', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'not a url', isTopFrame: true })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});
