import { STATUS_CODES } from 'node:http';

export const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
