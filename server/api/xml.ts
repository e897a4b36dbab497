import { XMLParser } from 'fast-xml-parser';
import { malformedXml } from './errors.js';

/** An element tree for rendering: a string/number is text, an array repeats the element, undefined omits it. */
type XmlValue = string | number | boolean | undefined | XmlNode | readonly XmlValue[];
export interface XmlNode {
  readonly [name: string]: XmlValue;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Renders `<root>…</root>` with no attributes (ali-oss deep-compares parsed roots; an attribute adds `$`). */
export function renderXml(root: string, body: XmlNode | string): string {
  return DECLARATION + element(root, body);
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'object') {
    let inner = '';
    for (const [child, v] of Object.entries(value as XmlNode)) inner += element(child, v);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Request bodies the XML operations accept: a few KB in practice, DeleteMultipleObjects up to ~1 MB. */
export const MAX_XML_BODY = 2 * 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  htmlEntities: false,
  // Predefined entities only: DOCTYPEs are refused before parsing, so no custom entity can exist.
  processEntities: true,
  isArray: (_name, jpath) => jpath === 'Delete.Object' || jpath === 'LiveChannelConfiguration.Snapshot',
});

export type ParsedXml = Record<string, unknown>;

/** Parses a request body; anything that is not plain XML with the expected root is MalformedXML. */
export function parseXmlBody(body: Buffer | undefined, root: string): ParsedXml {
  if (!body || body.length === 0 || body.length > MAX_XML_BODY) throw malformedXml();
  const text = body.toString('utf8');
  // No DTDs at all: that rules out entity-expansion bombs and external entities before parsing.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformedXml();
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch {
    throw malformedXml();
  }
  const value = (doc as Record<string, unknown>)[root];
  if (value === undefined) throw malformedXml();
  // `<Root/>` parses as '' — an element with no children.
  return typeof value === 'object' && value !== null ? (value as ParsedXml) : {};
}
