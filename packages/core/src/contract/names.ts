// The part of the contract Electron's preload (apps/main/src/electron/preload.ts) imports: the IPC
// channel names and the type of the bridge it exposes. The preload is bundled on its own and must stay
// a few kilobytes, so this module holds no schemas: the contract's channel and event names reach it
// only as types, through `import type` from ./channels.ts (the compiler erases those imports, so no
// zod and no schema is bundled). At run time the preload checks how a name is spelled; which names
// exist, and what their input must be, main checks against the contract's tables (it answers only the
// channels of `channels`, and validates every input with the channel's schema).
import type { ChannelInput, ChannelName } from './channels.js';

/** The Electron IPC channel carrying a contract channel; only main and preload use it. */
export const IPC_PREFIX = 'nova:';
export const IPC_EVENT_CHANNEL = 'nova:event';

/** Longest channel or event name the preload passes on (the contract's are far shorter). */
export const MAX_CONTRACT_NAME_LENGTH = 64;

/** How every channel and event name of the contract is spelled: lower-case words joined by dots. */
const CONTRACT_NAME_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * Whether `name` is spelled like a contract channel or event name. This is not whether the contract
 * declares it (that needs the tables in ./channels.ts): it keeps the preload from passing anything but a
 * short dotted name to main, which refuses the names it does not know.
 */
export function isContractNameSpelling(name: unknown): name is string {
  return (
    typeof name === 'string' && name.length <= MAX_CONTRACT_NAME_LENGTH && CONTRACT_NAME_PATTERN.test(name)
  );
}

/**
 * The API the preload exposes as `window.nova`: nothing but the contract's calls and events. Typed by
 * channel, so that the renderer cannot name a channel the contract lacks or send it the wrong input
 * (a compile error); main validates both again at run time, since the page is not trusted.
 */
export interface NovaBridge {
  /** Main's raw reply: a `Result` of the channel's output, which the renderer checks before use. */
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<unknown>;
  /** Every event main pushes, as it arrives: the renderer checks name and payload against the contract. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}
