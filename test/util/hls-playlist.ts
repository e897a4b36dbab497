/** An m3u8 playlist as the HLS tests read it. */
export interface ParsedPlaylist {
  readonly version: number | undefined;
  readonly targetDuration: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly endList: boolean;
  readonly segments: readonly ParsedSegment[];
}

export interface ParsedSegment {
  readonly uri: string;
  /** ms */
  readonly durationMs: number;
  readonly discontinuity: boolean;
  /** Epoch ms from EXT-X-PROGRAM-DATE-TIME, when present. */
  readonly programDateTime: number | undefined;
  readonly sequence: number;
}

/** Parses the tags livebucket writes; throws on a line it does not know, so stray output is caught. */
export function parsePlaylist(text: string): ParsedPlaylist {
  const lines = text.split('\n');
  if (lines[0] !== '#EXTM3U') throw new Error('playlist does not start with #EXTM3U');
  let version: number | undefined;
  let targetDuration = NaN;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let endList = false;
  const segments: ParsedSegment[] = [];
  let duration: number | undefined;
  let discontinuity = false;
  let programDateTime: number | undefined;
  for (const line of lines.slice(1)) {
    const [tag, value = ''] = line.split(/:(.*)/s);
    if (line === '') continue;
    else if (tag === '#EXT-X-VERSION') version = Number(value);
    else if (tag === '#EXT-X-TARGETDURATION') targetDuration = Number(value);
    else if (tag === '#EXT-X-MEDIA-SEQUENCE') mediaSequence = Number(value);
    else if (tag === '#EXT-X-DISCONTINUITY-SEQUENCE') discontinuitySequence = Number(value);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (tag === '#EXT-X-PROGRAM-DATE-TIME') programDateTime = Date.parse(value);
    else if (tag === '#EXTINF') duration = Math.round(Number(value.replace(/,$/, '')) * 1000);
    else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (!line.startsWith('#') && duration !== undefined) {
      segments.push({ uri: line, durationMs: duration, discontinuity, programDateTime, sequence: mediaSequence + segments.length });
      duration = undefined;
      discontinuity = false;
      programDateTime = undefined;
    } else throw new Error(`unexpected playlist line: ${line}`);
  }
  return { version, targetDuration, mediaSequence, discontinuitySequence, endList, segments };
}
