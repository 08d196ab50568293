import { novaFileJsonSchema, novaFileReferenceMarkdown } from '../novafile/reference.js';

/** Every generated documentation file, by its path in the repository. */
export function generatedDocs(): Record<string, string> {
  return {
    'docs/reference/novafile.md': novaFileReferenceMarkdown(),
    'docs/reference/novafile.schema.json': `${JSON.stringify(novaFileJsonSchema(), null, 2)}\n`,
  };
}
