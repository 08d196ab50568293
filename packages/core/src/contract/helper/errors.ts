// The D-Bus error names under which the helper sends each of the contract's error codes.
import type { ErrorCode } from '../errors.js';

/** D-Bus error names for each contract error code, under the helper's interface. */
export const HELPER_ERROR_NAMES: Readonly<Record<ErrorCode, string>> = {
  'invalid-input': 'dev.nova.Helper1.Error.InvalidInput',
  'not-authorized': 'dev.nova.Helper1.Error.NotAuthorized',
  'not-found': 'dev.nova.Helper1.Error.NotFound',
  conflict: 'dev.nova.Helper1.Error.Conflict',
  'backend-unavailable': 'dev.nova.Helper1.Error.BackendUnavailable',
  failed: 'dev.nova.Helper1.Error.Failed',
};

export function errorCodeForHelperErrorName(name: string): ErrorCode | undefined {
  for (const [code, errorName] of Object.entries(HELPER_ERROR_NAMES)) {
    if (errorName === name) return code as ErrorCode;
  }
  return undefined;
}
