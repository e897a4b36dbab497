import { OssError, invalidObjectName, invalidArgument } from './errors.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isBucketName(name: string): boolean {
  return BUCKET_NAME.test(name);
}

export function checkBucketName(name: string): void {
  if (!isBucketName(name)) {
    throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', undefined, {
      BucketName: name,
    });
  }
}

function keyProblem(key: string): string | undefined {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < 1 || bytes > 1023) return 'The object name must be 1 to 1023 bytes of UTF-8.';
  if (key.includes('\0')) return 'The object name must not contain NUL.';
  if (key.startsWith('/') || key.startsWith('\\')) return 'The object name must not start with a slash.';
  // Storage is keyed by a hash, so nothing could escape; refusing `..` still keeps keys unambiguous for
  // every backend (a plain directory layout, an S3 gateway) and for relative playlist URIs.
  if (key.split(/[/\\]/).some((segment) => segment === '..' || segment === '.')) {
    return 'The object name must not contain "." or ".." path segments.';
  }
  return undefined;
}

export function checkObjectKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw invalidObjectName(problem);
}

/** Channel names are object-name prefixes without `/`; `{channel}/{x}.ts` must itself be a valid key. */
export function checkChannelName(name: string): void {
  const problem = name.includes('/') ? 'A LiveChannel name must not contain "/".' : keyProblem(name);
  if (problem || Buffer.byteLength(name, 'utf8') > 1000) {
    throw invalidArgument(problem ?? 'The LiveChannel name is too long.', undefined, {
      ArgumentName: 'LiveChannelName',
      ArgumentValue: name,
    });
  }
}
