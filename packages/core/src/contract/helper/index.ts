/**
 * The privileged helper's D-Bus API, declared once. The helper dispatches and authorizes from the method
 * table, the client in core calls through it, the introspection XML and the polkit .policy are generated
 * from it.
 *
 * Wire form: every method takes a JSON document (a string) and, optionally, a call id (a second string,
 * signature "ss"), and returns one JSON string; each document is validated by the method's zod schemas at
 * both ends. One schema is then the whole truth for a method, including the checks the helper makes on
 * input it must not trust. Signals carry one JSON string.
 *
 * This folder: method.ts (the bus names, call ids, and the shape of one method), polkit.ts (the polkit
 * actions), one file per group of methods (status, vms, snapshots, networks, host-bridges, storage,
 * containers, and the subscription in signals.ts), table.ts (the groups assembled into `helperMethods`),
 * errors.ts (D-Bus error names) and introspection.ts.
 */
export * from '../helper-types.js';
export { HELPER_MAX_LOG_LINES } from './containers.js';
export { errorCodeForHelperErrorName, HELPER_ERROR_NAMES } from './errors.js';
export { type DomainRef, DomainUuid, type Target, type VmTarget } from './inputs.js';
export { helperIntrospectionXml } from './introspection.js';
export {
  CallId,
  HELPER_BUS_NAME,
  HELPER_CALL_TIMEOUT_MS,
  HELPER_INTERFACE,
  HELPER_MAX_REQUEST_BYTES,
  HELPER_OBJECT_PATH,
  type HelperMethodSpec,
} from './method.js';
export { POLKIT_ACTIONS, type PolkitActionId, type PolkitActionSpec, type PolkitDefault } from './polkit.js';
export {
  type HelperSignalName,
  type HelperSignalPayload,
  type HelperSignals,
  helperSignals,
  isHelperSignalName,
} from './signals.js';
export {
  type HelperCall,
  helperCallTimeoutMs,
  type HelperInput,
  type HelperMethodGroup,
  helperMethodGroups,
  type HelperMethodName,
  type HelperMethodNameOf,
  type HelperMethods,
  helperMethods,
  type HelperOutput,
  type HelperParsedInput,
  isChangingMethod,
  isHelperMethodName,
} from './table.js';
