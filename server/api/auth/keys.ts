/** A credential the server accepts. `securityToken` set = an STS-style key that must present that token. */
export interface AccessKey {
  readonly secret: string;
  readonly securityToken?: string;
}

/**
 * Looks a secret up by AccessKeyId on every request, so a key removed from the configuration stops
 * working at once, without a restart.
 */
export type KeyProvider = (accessKeyId: string) => AccessKey | string | undefined;

/** A plain string from the provider is the secret of an ordinary (non-STS) key. */
export function findKey(keys: KeyProvider, accessKeyId: string): AccessKey | undefined {
  const key = keys(accessKeyId);
  return typeof key === 'string' ? { secret: key } : key;
}
