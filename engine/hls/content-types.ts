/** Content-Type of the objects livebucket writes (the API serves GetVodPlaylist with the playlist one). */
export const SEGMENT_CONTENT_TYPE = 'video/MP2T';
export const PLAYLIST_CONTENT_TYPE = 'application/x-mpegURL';
