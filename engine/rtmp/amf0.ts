import { RtmpError } from './rtmp-error.js';

/** AMF0 ECMA array: an associative array, kept distinct from an anonymous object so it round-trips. */
export class Amf0EcmaArray {
  constructor(readonly entries: { [key: string]: Amf0Value }) {}
}

/** AMF0 typed object: an object with a registered class name. */
export class Amf0TypedObject {
  constructor(
    readonly className: string,
    readonly properties: { [key: string]: Amf0Value },
  ) {}
}

/** AMF0 XML document (its text). */
export class Amf0Xml {
  constructor(readonly text: string) {}
}

export interface Amf0Object {
  [key: string]: Amf0Value;
}

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Amf0Object
  | Amf0EcmaArray
  | Amf0TypedObject
  | Amf0Xml
  | Amf0Value[];

const NUMBER = 0x00;
const BOOLEAN = 0x01;
const STRING = 0x02;
const OBJECT = 0x03;
const MOVIECLIP = 0x04;
const NULL = 0x05;
const UNDEFINED = 0x06;
const REFERENCE = 0x07;
const ECMA_ARRAY = 0x08;
const OBJECT_END = 0x09;
const STRICT_ARRAY = 0x0a;
const DATE = 0x0b;
const LONG_STRING = 0x0c;
const UNSUPPORTED = 0x0d;
const RECORDSET = 0x0e;
const XML_DOCUMENT = 0x0f;
const TYPED_OBJECT = 0x10;
const AVMPLUS = 0x11;

export interface Amf0Limits {
  /** Nesting of objects/arrays; deeper input is refused (nesting bombs). */
  readonly maxDepth: number;
  /** Values in total, across all nesting levels. */
  readonly maxValues: number;
}

export const DEFAULT_AMF0_LIMITS: Amf0Limits = { maxDepth: 32, maxValues: 100_000 };

/** Decodes every AMF0 value in `bytes`. Throws RtmpError on malformed input or exceeded limits. */
export function decodeAmf0(bytes: Uint8Array, limits: Amf0Limits = DEFAULT_AMF0_LIMITS): Amf0Value[] {
  const d = new Decoder(bytes, limits);
  const values: Amf0Value[] = [];
  while (d.pos < bytes.length) values.push(d.value(0));
  return values;
}

class Decoder {
  pos = 0;
  private values = 0;
  /** Complex values in decode order, for 0x07 references. */
  private readonly complex: Amf0Value[] = [];
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: Amf0Limits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new RtmpError('AMF0 value runs past the end of its message');
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  private utf8(length: number): string {
    this.need(length);
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, length).toString('utf8');
    this.pos += length;
    return s;
  }

  value(depth: number): Amf0Value {
    if (++this.values > this.limits.maxValues) throw new RtmpError(`AMF0 message has more than ${this.limits.maxValues} values`);
    const marker = this.u8();
    switch (marker) {
      case NUMBER:
        return this.f64();
      case BOOLEAN:
        return this.u8() !== 0;
      case STRING:
        return this.utf8(this.u16());
      case LONG_STRING:
        return this.utf8(this.u32());
      case XML_DOCUMENT:
        return new Amf0Xml(this.utf8(this.u32()));
      case NULL:
        return null;
      case UNDEFINED:
      case UNSUPPORTED:
        return undefined;
      case DATE: {
        const ms = this.f64();
        this.u16(); // time zone: reserved, always 0
        return new Date(ms);
      }
      case OBJECT: {
        const o: Amf0Object = {};
        this.complex.push(o);
        this.properties(o, depth);
        return o;
      }
      case TYPED_OBJECT: {
        const o = new Amf0TypedObject(this.utf8(this.u16()), {});
        this.complex.push(o);
        this.properties(o.properties, depth);
        return o;
      }
      case ECMA_ARRAY: {
        this.u32(); // advisory count; the object-end marker is what terminates it
        const a = new Amf0EcmaArray({});
        this.complex.push(a);
        this.properties(a.entries, depth);
        return a;
      }
      case STRICT_ARRAY: {
        const count = this.u32();
        // Every element takes at least one byte: a count beyond the bytes left is a lie, not a reason to allocate.
        this.need(count);
        this.enter(depth);
        const a: Amf0Value[] = [];
        this.complex.push(a);
        for (let i = 0; i < count; i++) a.push(this.value(depth + 1));
        return a;
      }
      case REFERENCE: {
        const index = this.u16();
        if (index >= this.complex.length) throw new RtmpError(`AMF0 reference ${index} to an unknown object`);
        return this.complex[index];
      }
      case OBJECT_END:
        throw new RtmpError('AMF0 object-end marker outside an object');
      case MOVIECLIP:
      case RECORDSET:
        throw new RtmpError(`AMF0 type 0x${marker.toString(16)} is reserved`);
      case AVMPLUS:
        throw new RtmpError('AMF3 values inside AMF0 are not supported');
      default:
        throw new RtmpError(`unknown AMF0 type marker 0x${marker.toString(16)}`);
    }
  }

  private enter(depth: number): void {
    if (depth + 1 > this.limits.maxDepth) throw new RtmpError(`AMF0 nesting deeper than ${this.limits.maxDepth}`);
  }

  /** Key/value pairs up to the empty key + object-end marker. */
  private properties(into: { [key: string]: Amf0Value }, depth: number): void {
    this.enter(depth);
    for (;;) {
      const key = this.utf8(this.u16());
      if (key === '' && this.pos < this.bytes.length && this.bytes[this.pos] === OBJECT_END) {
        this.pos++;
        return;
      }
      // Own data property even for keys like "__proto__", which plain assignment would treat specially.
      Object.defineProperty(into, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
  }
}

/** Encodes values as AMF0. Strings over 65535 bytes become long strings. */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const e = new Encoder();
  for (const v of values) e.value(v);
  return e.finish();
}

class Encoder {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  private u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  private u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  private f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  private bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  private shortString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xffff) throw new RangeError('AMF0 property name longer than 65535 bytes');
    this.u16(b.length);
    this.bytes(b);
  }

  private properties(o: { [key: string]: Amf0Value }): void {
    for (const key of Object.keys(o)) {
      this.shortString(key);
      this.value(o[key]);
    }
    this.u16(0);
    this.u8(OBJECT_END);
  }

  value(v: Amf0Value): void {
    if (typeof v === 'number') {
      this.u8(NUMBER);
      this.f64(v);
    } else if (typeof v === 'boolean') {
      this.u8(BOOLEAN);
      this.u8(v ? 1 : 0);
    } else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      if (b.length > 0xffff) {
        this.u8(LONG_STRING);
        this.u32(b.length);
      } else {
        this.u8(STRING);
        this.u16(b.length);
      }
      this.bytes(b);
    } else if (v === null) {
      this.u8(NULL);
    } else if (v === undefined) {
      this.u8(UNDEFINED);
    } else if (v instanceof Date) {
      this.u8(DATE);
      this.f64(v.getTime());
      this.u16(0);
    } else if (Array.isArray(v)) {
      this.u8(STRICT_ARRAY);
      this.u32(v.length);
      for (const item of v) this.value(item);
    } else if (v instanceof Amf0EcmaArray) {
      this.u8(ECMA_ARRAY);
      this.u32(Object.keys(v.entries).length);
      this.properties(v.entries);
    } else if (v instanceof Amf0TypedObject) {
      this.u8(TYPED_OBJECT);
      this.shortString(v.className);
      this.properties(v.properties);
    } else if (v instanceof Amf0Xml) {
      const b = Buffer.from(v.text, 'utf8');
      this.u8(XML_DOCUMENT);
      this.u32(b.length);
      this.bytes(b);
    } else {
      this.u8(OBJECT);
      this.properties(v);
    }
  }
}
