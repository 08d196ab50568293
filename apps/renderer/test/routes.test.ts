import { describe, expect, it } from 'vitest';

import { parseRoute, routeHref } from '../src/shell/routes.js';

describe('routes in the address fragment', () => {
  it('reads the page and its parameters, and falls back to the overview', () => {
    expect(parseRoute('#/topology')).toEqual({ page: 'topology', params: {} });
    expect(parseRoute('#/overview?select=vm%2F1234')).toEqual({
      page: 'overview',
      params: { select: 'vm/1234' },
    });
    expect(parseRoute('')).toEqual({ page: 'overview', params: {} });
    expect(parseRoute('#/no-such-page')).toEqual({ page: 'overview', params: {} });
  });

  it('writes what it reads', () => {
    const href = routeHref('overview', { select: 'container/docker/abc' });
    expect(href).toBe('#/overview?select=container%2Fdocker%2Fabc');
    expect(parseRoute(href)).toEqual({ page: 'overview', params: { select: 'container/docker/abc' } });
  });
});
