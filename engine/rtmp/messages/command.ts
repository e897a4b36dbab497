import { type Amf0Object, type Amf0Value, decodeAmf0, encodeAmf0 } from '../amf0.js';
import { RtmpError } from '../rtmp-error.js';

export const TYPE_COMMAND_AMF0 = 20;
export const TYPE_COMMAND_AMF3 = 17;

export interface Command {
  readonly name: string;
  readonly transactionId: number;
  /** The command object; null for most stream commands. */
  readonly commandObject: Amf0Object | null;
  readonly args: Amf0Value[];
}

/**
 * Decodes a command message. AMF3 command messages (type 17) are tolerated the way Flash Player sends
 * them: a format byte, then AMF0 values.
 */
export function decodeCommand(typeId: number, body: Uint8Array): Command {
  const values = decodeAmf0(typeId === TYPE_COMMAND_AMF3 ? body.subarray(1) : body);
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') throw new RtmpError('command message does not start with a command name');
  return {
    name,
    transactionId: typeof transactionId === 'number' ? transactionId : 0,
    commandObject: isPlainObject(commandObject) ? commandObject : null,
    args,
  };
}

export function encodeCommand(name: string, transactionId: number, commandObject: Amf0Object | null, ...args: Amf0Value[]): Buffer {
  return encodeAmf0(name, transactionId, commandObject, ...args);
}

function isPlainObject(v: Amf0Value): v is Amf0Object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
