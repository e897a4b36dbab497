import type { ObjectAcl } from '../../../engine/store/object-store.js';
import type { BucketAcl } from '../../../engine/store/metadata-store.js';

/** What an operation needs from an anonymous caller. Management (`owner`) is never anonymous. */
export type Access = 'read' | 'write' | 'owner';

/** The ACL that applies to an object: its own unless `default`, then the bucket's. */
export function effectiveAcl(bucketAcl: BucketAcl, objectAcl: ObjectAcl | undefined): BucketAcl {
  return objectAcl === undefined || objectAcl === 'default' ? bucketAcl : objectAcl;
}

/** Whether an unsigned request may do `access` under `acl`. Every valid key is the owner of everything. */
export function anonymousAllowed(acl: BucketAcl, access: Access): boolean {
  if (access === 'read') return acl === 'public-read' || acl === 'public-read-write';
  if (access === 'write') return acl === 'public-read-write';
  return false;
}
