import { novaFileJsonSchema, novaFileReferenceMarkdown } from '../novafile/reference.js';
import { helperReferenceMarkdown } from './helper-reference.js';
import { polkitPolicyXml } from './polkit-policy.js';

/** Every file generated from a single source in code, by its path in the repository. */
export function generatedFiles(): Record<string, string> {
  return {
    'docs/reference/novafile.md': novaFileReferenceMarkdown(),
    'docs/reference/novafile.schema.json': `${JSON.stringify(novaFileJsonSchema(), null, 2)}\n`,
    'apps/helper/data/dev.nova.policy': polkitPolicyXml(),
    'docs/reference/helper-api.md': helperReferenceMarkdown(),
  };
}
