import { anonymousAllowed, effectiveAcl } from '../api/auth/acl.js';
import { authenticate } from '../api/auth/authenticate.js';
import type { KeyProvider } from '../api/auth/keys.js';
import { accessDenied } from '../api/errors.js';
import type { EdgeAuthorize } from './types.js';

/**
 * The API's rule for reads, from its shared auth code: a valid signature (header or presigned, V1 or V4)
 * may read anything; an unsigned request needs a public-read(-write) ACL on the object or its bucket.
 */
export function edgeAuthorizer(keys: KeyProvider): EdgeAuthorize {
  return (request) => {
    const result = authenticate(request, keys);
    if (!result.ok) return result;
    if (result.accessKeyId !== undefined) return { ok: true };
    if (anonymousAllowed(effectiveAcl(request.bucketAcl, request.objectAcl), 'read')) return { ok: true };
    return { ok: false, error: accessDenied('You have no right to access this object because of bucket acl.', '0003-00000001') };
  };
}
