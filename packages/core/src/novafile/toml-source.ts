import { parse as parseFast, TomlError } from 'smol-toml';
import { type AST, getStaticTOMLValue, ParseError, parseTOML } from 'toml-eslint-parser';

/** A place in a NovaFile: 1-based line and column, 0-based offset. */
interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

interface SourceSpan {
  start: SourcePosition;
  end: SourcePosition;
}

/** Where a key and its value stand in the file. */
export interface Located {
  key?: SourceSpan;
  value: SourceSpan;
}

export type TomlPath = readonly (string | number)[];

const pathKey = (path: TomlPath): string => path.map(String).join('\u0001');

/** A parsed TOML document: its plain value, and where every key and value came from. */
export interface TomlSource {
  text: string;
  value: Record<string, unknown>;
  locations: Map<string, Located>;
  ast: AST.TOMLProgram;
}

export interface TomlSyntaxError {
  line: number;
  column: number;
  message: string;
}

function span(node: AST.HasLocs): SourceSpan {
  return {
    start: { line: node.loc.start.line, column: node.loc.start.column + 1, offset: node.range[0] },
    end: { line: node.loc.end.line, column: node.loc.end.column + 1, offset: node.range[1] },
  };
}

function keyName(key: AST.TOMLBare | AST.TOMLQuoted): string {
  return key.type === 'TOMLBare' ? key.name : key.value;
}

/** Parses TOML text; a syntax error comes back as data with its line and column, never thrown. */
export function parseTomlSource(
  text: string,
): { ok: true; source: TomlSource } | { ok: false; error: TomlSyntaxError } {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (err) {
    if (err instanceof ParseError) {
      return { ok: false, error: { line: err.lineNumber, column: err.column + 1, message: err.message } };
    }
    if (err instanceof RangeError) {
      return { ok: false, error: { line: 1, column: 1, message: 'the file is nested too deeply to read' } };
    }
    throw err;
  }
  const locations = new Map<string, Located>();
  const record = (path: TomlPath, located: Located): void => {
    const key = pathKey(path);
    if (!locations.has(key)) locations.set(key, located);
  };

  const visitContent = (path: TomlPath, node: AST.TOMLContentNode): void => {
    if (node.type === 'TOMLArray') {
      node.elements.forEach((element, index) => {
        record([...path, index], { value: span(element) });
        visitContent([...path, index], element);
      });
    } else if (node.type === 'TOMLInlineTable') {
      for (const pair of node.body) visitPair(path, pair);
    }
  };

  const visitPair = (base: TomlPath, pair: AST.TOMLKeyValue): void => {
    const names = pair.key.keys.map(keyName);
    // Dotted keys (a.b.c = 1) create the tables on the way; they stand where the key does.
    names.forEach((_, index) => {
      const path = [...base, ...names.slice(0, index + 1)];
      const keyNode = pair.key.keys[index];
      const isLast = index === names.length - 1;
      record(path, {
        ...(keyNode === undefined ? {} : { key: span(keyNode) }),
        value: isLast ? span(pair.value) : span(pair),
      });
    });
    visitContent([...base, ...names], pair.value);
  };

  const top = ast.body[0];
  for (const node of top.body) {
    if (node.type === 'TOMLKeyValue') {
      visitPair([], node);
      continue;
    }
    // A table header [a.b.c] stands for a, a.b and a.b.c when nothing declared them before.
    const path = node.resolvedKey;
    for (let depth = 1; depth <= path.length; depth++) {
      record(path.slice(0, depth), { key: span(node.key), value: span(node) });
    }
    for (const pair of node.body) visitPair(path, pair);
  }
  return {
    ok: true,
    source: { text, value: getStaticTOMLValue(ast), locations, ast },
  };
}

/** The location of a path, or of its nearest ancestor that has one. */
export function locate(source: TomlSource, path: TomlPath): Located | undefined {
  for (let length = path.length; length >= 0; length--) {
    const found = source.locations.get(pathKey(path.slice(0, length)));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The quick way to read a document: smol-toml gives the value several times faster than the
 * position-keeping parser, and positions are only needed when there is something to point at. They
 * are worked out on first use. A syntax error is reported the way the position-keeping parser says it.
 */
export function parseTomlValue(
  text: string,
): { ok: true; source: TomlSource } | { ok: false; error: TomlSyntaxError } {
  let value: Record<string, unknown>;
  try {
    value = parseFast(text);
  } catch (err) {
    const full = parseTomlSource(text);
    if (!full.ok) return full;
    if (err instanceof TomlError) {
      return {
        ok: false,
        error: {
          line: err.line,
          column: err.column,
          message: err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML',
        },
      };
    }
    if (err instanceof RangeError)
      return { ok: false, error: { line: 1, column: 1, message: 'the file is nested too deeply to read' } };
    throw err;
  }
  let full: TomlSource | undefined;
  // If the two parsers ever disagree on a document, errors lose their positions, never their text.
  const located = (): TomlSource => {
    if (full === undefined) {
      const parsed = parseTomlSource(text);
      full = parsed.ok ? parsed.source : { text, value, locations: new Map(), ast: parseTOML('') };
    }
    return full;
  };
  return {
    ok: true,
    source: {
      text,
      value,
      get locations() {
        return located().locations;
      },
      get ast() {
        return located().ast;
      },
    },
  };
}
