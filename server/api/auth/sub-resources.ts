/**
 * Query parameters that are part of the V1 canonical resource: the union of the SDKs' lists (oss2
 * `_subresource_key_set`, Go `signKeyList`, Java `SIGNED_PARAMTERS`). Case-sensitive.
 */
export const SIGNED_SUB_RESOURCES: ReadonlySet<string> = new Set(
  (
    'acl bucketInfo comp continuation-token endTime live objectMeta security-token startTime stat status ' +
    'uploadId uploads versionId vod response-content-type response-content-language response-expires ' +
    'response-cache-control response-content-disposition response-content-encoding x-oss-process append ' +
    'position partNumber delete location logging website referer cors lifecycle tagging symlink restore qos ' +
    'qosInfo callback callback-var encryption versions versioning policy requestPayment asyncFetch sequential ' +
    'inventory inventoryId worm wormId wormExtend replication replicationLocation replicationProgress ' +
    'transferAcceleration cname img style styleName group link objectInfo metaQuery resourceGroup regionList ' +
    'bucketArchiveDirectRead httpsConfig redundancyTransition accessPoint accessPointPolicy publicAccessBlock ' +
    'policyStatus processConfiguration seal vip vpcip rtc responseHeader cloudboxes withHashContext udf ' +
    'udfName udfId udfImage udfImageDesc udfApplication udfApplicationLog requesterQosInfo qosRequester ' +
    'resourcePoolInfo resourcePool resourcePoolBuckets x-oss-traffic-limit x-oss-request-payer ' +
    'x-oss-async-process x-oss-write-get-object-response x-oss-ac-source-ip x-oss-ac-subnet-mask ' +
    'x-oss-ac-vpc-id x-oss-ac-forward-allow x-oss-target-redundancy-type x-oss-redundancy-transition-taskid ' +
    'x-oss-access-point-name x-oss-enable-md5 x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx ' +
    'x-oss-md5-ctx x-oss-dir x-oss-rename x-oss-delete'
  ).split(' '),
);
