import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OssError } from '../../server/api/errors.js';
import { parseLiveChannelConfiguration } from '../../server/api/ops/live-channel-config.js';

const parse = (xml: string) => parseLiveChannelConfiguration(Buffer.from(xml));

function failure(xml: string): string {
  try {
    parse(xml);
  } catch (error) {
    assert.ok(error instanceof OssError);
    return `${error.status} ${error.code} ${error.ec ?? ''}`.trim();
  }
  return 'accepted';
}

test('oss2 defaults (<Description />, <PlaylistName />) and Java "null" description are accepted', () => {
  const oss2 =
    '<LiveChannelConfiguration><Description /><Status>enabled</Status><Target><Type>HLS</Type>' +
    '<FragDuration>5</FragDuration><FragCount>3</FragCount><PlaylistName /></Target></LiveChannelConfiguration>';
  assert.deepEqual(parse(oss2), { description: '', status: 'enabled', fragDuration: 5, fragCount: 3, playlistName: 'playlist.m3u8' });
  const java =
    '<?xml version="1.0" encoding="UTF-8"?><LiveChannelConfiguration><Description>null</Description><Status>disabled</Status>' +
    '<Target><Type>HLS</Type><FragDuration>2</FragDuration><FragCount>4</FragCount><PlaylistName>a &amp; b.m3u8</PlaylistName></Target>' +
    '<Snapshot><RoleName>r</RoleName><DestBucket>b</DestBucket><NotifyTopic>t</NotifyTopic><Interval>1</Interval></Snapshot>' +
    '<Unknown>ignored</Unknown></LiveChannelConfiguration>';
  assert.deepEqual(parse(java), { description: 'null', status: 'disabled', fragDuration: 2, fragCount: 4, playlistName: 'a & b.m3u8' });
});

test('malformed bodies, DTDs and entity bombs are MalformedXML, never expanded', () => {
  const bomb =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>' +
    '<LiveChannelConfiguration><Description>&lol2;</Description><Target><Type>HLS</Type></Target></LiveChannelConfiguration>';
  assert.equal(failure(bomb), '400 MalformedXML');
  assert.equal(failure('not xml at all'), '400 MalformedXML');
  assert.equal(failure('<Other><Target><Type>HLS</Type></Target></Other>'), '400 MalformedXML');
  assert.equal(failure('<LiveChannelConfiguration><Description>x</Description></LiveChannelConfiguration>'), '400 MalformedXML');
  assert.equal(failure(''), '400 MalformedXML');
});

test('only one of FragDuration/FragCount, a short PlaylistName and two Snapshots are refused', () => {
  const target = (inner: string) => `<LiveChannelConfiguration><Target><Type>HLS</Type>${inner}</Target></LiveChannelConfiguration>`;
  assert.equal(failure(target('<FragDuration>5</FragDuration>')), '400 InvalidArgument 0044-00000015');
  assert.equal(failure(target('<FragCount>5</FragCount>')), '400 InvalidArgument 0044-00000014');
  assert.equal(failure(target('<PlaylistName>.m3u8</PlaylistName>')), '400 InvalidArgument 0044-00000017');
  const snapshot = '<Snapshot><RoleName>r</RoleName><NotifyTopic>t</NotifyTopic></Snapshot>';
  assert.equal(
    failure(`<LiveChannelConfiguration>${snapshot}${snapshot}<Target><Type>HLS</Type></Target></LiveChannelConfiguration>`),
    '400 InvalidArgument 0044-00000003',
  );
  assert.equal(
    failure('<LiveChannelConfiguration><Snapshot><RoleName>r</RoleName></Snapshot><Target><Type>HLS</Type></Target></LiveChannelConfiguration>'),
    '400 InvalidArgument 0044-00000006',
  );
});
