import { OssError } from './errors.js';
import { renderXml } from './xml.js';

export interface ErrorReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** undefined for HEAD: the XML travels base64 in `x-oss-err` instead. */
  readonly body: string | undefined;
}

/** The OSS `<Error>` document; the edge sends the same one so SDKs and players parse both alike. */
export function errorDocument(error: OssError, requestId: string, hostId: string): string {
  return renderXml('Error', {
    Code: error.code,
    Message: error.message,
    RequestId: requestId,
    HostId: hostId,
    ...error.extra,
    EC: error.ec,
  });
}

/** The OSS `<Error>` document, plus `x-oss-ec`; on HEAD no body but `x-oss-err` (read by every SDK). */
export function errorReply(error: OssError, requestId: string, hostId: string, method: string): ErrorReply {
  const xml = errorDocument(error, requestId, hostId);
  const headers: Record<string, string> = { 'content-type': 'application/xml' };
  if (error.ec) headers['x-oss-ec'] = error.ec;
  if (method === 'HEAD') {
    headers['x-oss-err'] = Buffer.from(xml, 'utf8').toString('base64');
    return { status: error.status, headers, body: undefined };
  }
  return { status: error.status, headers, body: xml };
}

/** Errors that are not OssErrors: framework refusals keep their meaning, anything else is InternalError. */
export function toOssError(error: unknown): OssError {
  if (error instanceof OssError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new OssError(e.statusCode, 'InvalidRequest', e.message ?? 'Invalid request.');
  }
  return new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.');
}
