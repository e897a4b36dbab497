/** An OSS error: HTTP status, `Code`, `Message`, optional `EC` and extra context children of `<Error>`. */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly ec?: string,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string, ec?: string, extra?: Record<string, string>): OssError =>
  new OssError(400, 'InvalidArgument', message, ec, extra);

export const accessDenied = (message: string, ec?: string): OssError => new OssError(403, 'AccessDenied', message, ec);

export const noSuchBucket = (bucket: string): OssError =>
  new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', undefined, { BucketName: bucket });

export const noSuchKey = (key: string): OssError =>
  new OssError(404, 'NoSuchKey', 'The specified key does not exist.', undefined, { Key: key });

export const noSuchLiveChannel = (channel: string): OssError =>
  new OssError(404, 'NoSuchLiveChannel', 'The specified live channel does not exist.', undefined, {
    LiveChannel: channel,
  });

export const channelStillLive = (channel: string): OssError =>
  new OssError(409, 'ChannelStillLive', 'The live channel is still being pushed to.', undefined, {
    LiveChannel: channel,
  });

export const malformedXml = (): OssError =>
  new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');

export const invalidObjectName = (message: string): OssError => new OssError(400, 'InvalidObjectName', message);

export const notImplemented = (what: string): OssError =>
  new OssError(501, 'NotImplemented', `${what} is not implemented by livebucket.`);
