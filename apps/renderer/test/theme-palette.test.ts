// The themes' colours, checked without a browser: every text colour of each theme's palette is readable
// on that theme's backgrounds (WCAG AA, 4.5:1), and no stylesheet gives text a fixed colour unless it
// also fixes the background behind it. A page then passes the contrast check in every theme whatever
// state its rows happen to be in on the machine that renders it (a network with a warning, a crashed
// VM), which a page-by-page axe run only sees when that state occurs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

interface Rule {
  file: string;
  selector: string;
  declarations: Map<string, string>;
}

function stylesheets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return stylesheets(path);
    return entry.name.endsWith('.css') ? [path] : [];
  });
}

/** Flat rules of a stylesheet (the renderer's stylesheets have no at-rules; the test says so). */
function rules(file: string): Rule[] {
  const text = readFileSync(file, 'utf8').replaceAll(/\/\*[\s\S]*?\*\//g, '');
  return [...text.matchAll(/([^{}]+)\{([^{}]*)\}/g)].map((match) => ({
    file,
    selector: (match[1] ?? '').trim(),
    declarations: new Map(
      (match[2] ?? '')
        .split(';')
        .map((part) => part.split(':'))
        .filter((pair) => pair.length >= 2)
        .map(([name = '', ...value]) => [name.trim(), value.join(':').trim()]),
    ),
  }));
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.039_28 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function luminance(hex: string): number {
  const digits = hex.replace('#', '');
  const full = digits.length === 3 ? digits.replaceAll(/(.)/g, '$1$1') : digits;
  const [r = 0, g = 0, b = 0] = [0, 2, 4].map((at) => Number.parseInt(full.slice(at, at + 2), 16));
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

const all = stylesheets(SRC).flatMap(rules);
const base = all.find((rule) => rule.selector === ':root');

/** A theme's custom properties: the base palette with the theme's own on top. */
function palette(theme: string): Map<string, string> {
  const own = all.find((rule) => rule.selector === `:root[data-theme='${theme}']`);
  const merged = new Map<string, string>();
  for (const [name, value] of [...(base?.declarations ?? []), ...(own?.declarations ?? [])]) {
    if (name.startsWith('--')) merged.set(name, value);
  }
  return merged;
}

/** Rules outside a theme's own selectors that give text a literal colour but leave the background to the theme. */
function fixedTextWithoutBackground(list: readonly Rule[]): string[] {
  return list
    .filter((rule) => !rule.selector.includes('[data-theme='))
    .filter((rule) => /#[0-9a-f]{3,6}\b|rgb|hsl/i.test(rule.declarations.get('color') ?? ''))
    .filter((rule) => !rule.declarations.has('background') && !rule.declarations.has('background-color'))
    .map((rule) => `${rule.file.slice(SRC.length + 1)}: ${rule.selector}`);
}

const THEMES = ['light', 'dark', 'high-contrast'] as const;
const TEXT = ['--text', '--muted', '--accent', '--danger', '--warning', '--ok'] as const;

describe('theme palette', () => {
  it('the contrast measure is the WCAG one', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
  });

  it('the stylesheets are flat rules the check below can read', () => {
    for (const file of stylesheets(SRC)) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/@(media|supports|layer|container)\b/);
    }
    expect(base?.declarations.get('--text')).toMatch(/^#/);
  });

  for (const theme of THEMES) {
    it(`every text colour of the ${theme} theme is readable on its backgrounds`, () => {
      const colours = palette(theme);
      const failures: string[] = [];
      for (const text of TEXT) {
        const fg = colours.get(text);
        expect(fg, `${theme} defines ${text}`).toMatch(/^#[0-9a-f]{3,6}$/i);
        for (const background of ['--bg', '--panel']) {
          const bg = colours.get(background) ?? '';
          const ratio = contrast(fg ?? '', bg);
          if (ratio < 4.5) failures.push(`${text} ${fg ?? ''} on ${background} ${bg}: ${ratio.toFixed(2)}`);
        }
      }
      const danger = contrast(colours.get('--danger') ?? '', colours.get('--danger-bg') ?? '');
      if (danger < 4.5) failures.push(`--danger on --danger-bg: ${danger.toFixed(2)}`);
      expect(failures).toEqual([]);
    });
  }

  it('no rule fixes a text colour without fixing the background behind it', () => {
    expect(fixedTextWithoutBackground(all)).toEqual([]);
  });

  it('the check finds a fixed text colour on a theme background', () => {
    const planted: Rule = {
      file: join(SRC, 'planted.css'),
      selector: '.health-warning',
      declarations: new Map([['color', '#7a5a00']]),
    };
    expect(fixedTextWithoutBackground([...all, planted])).toEqual(['planted.css: .health-warning']);
    // The dark theme's panel is where that colour was unreadable.
    expect(contrast('#7a5a00', palette('dark').get('--panel') ?? '')).toBeLessThan(4.5);
  });
});
