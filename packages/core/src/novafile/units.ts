// Sizes in a NovaFile: "2Gi", "512Mi", "10G", "100M", "4096" (bytes), or a bare integer (bytes).
// As in the original Nova's memory parser (and Kubernetes), Ki, Mi, Gi and Ti are powers of 1024 and
// K, M, G and T powers of 1000. Ambiguous spellings such as "8GB" or "8gi" are refused with a hint.

const MULTIPLIERS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1000,
  k: 1000,
  Ki: 1024,
  M: 1000 ** 2,
  Mi: 1024 ** 2,
  G: 1000 ** 3,
  Gi: 1024 ** 3,
  T: 1000 ** 4,
  Ti: 1024 ** 4,
};

export type SizeResult = { ok: true; bytes: number } | { ok: false; message: string; hint: string };

/** Parses a size; the number may have a fraction ("1.5Gi") as long as the result is whole bytes. */
export function parseSize(input: string | number): SizeResult {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return { ok: true, bytes: input };
    return {
      ok: false,
      message: `${input} is not a whole, non-negative number of bytes`,
      hint: 'write a size such as "2Gi"',
    };
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(input);
  if (match === null) {
    return {
      ok: false,
      message: `"${input}" is not a size`,
      hint: 'write a number and a unit, such as "2Gi", "512Mi" or "10G"',
    };
  }
  const [, amount = '', unit = ''] = match;
  const multiplier = MULTIPLIERS[unit];
  if (multiplier === undefined) {
    const letter = unit.charAt(0).toUpperCase();
    const known = 'KMGT'.includes(letter) && letter !== '';
    return {
      ok: false,
      message: `"${unit}" is not a size unit`,
      hint: known
        ? `write "${amount}${letter}i" (${letter}i = 1024^${'KMGT'.indexOf(letter) + 1} bytes) or "${amount}${letter}" (1000^${'KMGT'.indexOf(letter) + 1} bytes)`
        : 'use Ki, Mi, Gi, Ti (powers of 1024), K, M, G, T (powers of 1000), or a number of bytes',
    };
  }
  const bytes = Number(amount) * multiplier;
  if (!Number.isSafeInteger(bytes)) {
    return {
      ok: false,
      message: `"${input}" is ${Number.isFinite(bytes) && bytes < Number.MAX_SAFE_INTEGER ? 'not a whole number of bytes' : 'too large'}`,
      hint: 'use a smaller unit or a whole number',
    };
  }
  return { ok: true, bytes };
}

/** The shortest exact way to write a number of bytes: "2Gi", "1536Mi", "2G", "1000". */
export function formatSize(bytes: number): string {
  let best = String(bytes);
  if (bytes === 0) return best;
  for (const [suffix, multiplier] of [
    ['Ti', 1024 ** 4],
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
    ['T', 1000 ** 4],
    ['G', 1000 ** 3],
    ['M', 1000 ** 2],
    ['K', 1000],
  ] as const) {
    const candidate = `${bytes / multiplier}${suffix}`;
    if (bytes % multiplier === 0 && candidate.length < best.length) best = candidate;
  }
  return best;
}
