// A small DER/BER reader: enough ASN.1 for certificates, PKCS#8, PKCS#12
// and NPKI key files. It reads definite and indefinite lengths (PKCS#12
// files from some tools are BER) and never reads past the buffer: every
// problem is a CertError with code 'malformed'.

import { malformed } from './errors.js';

/** Universal tag numbers used by callers. */
export const Tag = Object.freeze({
  BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6,
  UTF8: 12, SEQUENCE: 16, SET: 17, PRINTABLE: 19, T61: 20, IA5: 22,
  UTC_TIME: 23, GENERALIZED_TIME: 24, BMP: 30,
});

const MAX_DEPTH = 32;

/**
 * Node is one parsed TLV. `cls` is the class (0 universal, 1 application,
 * 2 context, 3 private), `tag` the tag number, `cons` whether constructed.
 * The value is buf[vs:ve]; the whole TLV is buf[start:end].
 */
export class Node {
  constructor(buf, start, cls, cons, tag, vs, ve, end, depth) {
    Object.assign(this, { buf, start, cls, cons, tag, vs, ve, end, depth });
  }

  /** value returns the content octets (a view, not a copy). */
  value() { return this.buf.subarray(this.vs, this.ve); }

  /** raw returns the whole encoding, header included (a view). */
  raw() { return this.buf.subarray(this.start, this.end); }

  /** children parses the content of a constructed node. */
  children() {
    if (!this.cons) throw malformed(`tag ${this.tag} is not constructed`);
    if (this.depth >= MAX_DEPTH) throw malformed('ASN.1 nesting too deep');
    const out = [];
    for (let p = this.vs; p < this.ve;) {
      const n = readAt(this.buf, p, this.ve, this.depth + 1);
      out.push(n);
      p = n.end;
    }
    return out;
  }

  /** is reports whether the node has universal tag t (or class cls). */
  is(t, cls = 0) { return this.tag === t && this.cls === cls; }

  /** expect throws unless the node has universal tag t. */
  expect(t, what) {
    if (!this.is(t)) throw malformed(`${what || 'value'}: want tag ${t}, got ${this.cls}/${this.tag}`);
    return this;
  }

  /**
   * octets returns the bytes of an OCTET STRING (or any primitive), joining
   * the segments of a BER constructed string.
   */
  octets() {
    if (!this.cons) return this.value();
    return concat(this.children().map((c) => c.octets()));
  }
}

/** readAt parses one TLV at buf[pos:limit]. */
function readAt(buf, pos, limit, depth) {
  const start = pos;
  if (pos + 2 > limit) throw malformed('truncated ASN.1 header');
  const b = buf[pos++];
  const cls = b >> 6;
  const cons = (b & 0x20) !== 0;
  let tag = b & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i > 3) throw malformed('bad high tag number');
      const t = buf[pos++];
      tag = tag * 128 + (t & 0x7f);
      if (!(t & 0x80)) break;
    }
  }
  if (pos >= limit) throw malformed('truncated ASN.1 length');
  let len = buf[pos++];
  if (len === 0x80) {
    // Indefinite length (BER): children up to an end-of-contents 00 00.
    if (!cons) throw malformed('indefinite length on a primitive');
    if (depth >= MAX_DEPTH) throw malformed('ASN.1 nesting too deep');
    const vs = pos;
    for (;;) {
      if (pos + 2 > limit) throw malformed('missing end-of-contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      pos = readAt(buf, pos, limit, depth + 1).end;
    }
    return new Node(buf, start, cls, cons, tag, vs, pos, pos + 2, depth);
  }
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || pos + n > limit) throw malformed('bad ASN.1 length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++];
  }
  if (len > limit - pos) throw malformed('ASN.1 length past the end');
  return new Node(buf, start, cls, cons, tag, pos, pos + len, pos + len, depth);
}

/**
 * parse parses the single TLV that fills bytes (trailing bytes are an
 * error unless allowTrailing).
 * @param {Uint8Array|ArrayBuffer} bytes
 */
export function parse(bytes, allowTrailing = false) {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const n = readAt(buf, 0, buf.length, 0);
  if (!allowTrailing && n.end !== buf.length) throw malformed('trailing bytes after ASN.1 value');
  return n;
}

/** seq returns the children of n after checking it is a SEQUENCE with at least min of them. */
export function seq(n, min = 0, what = 'SEQUENCE') {
  n.expect(Tag.SEQUENCE, what);
  const c = n.children();
  if (c.length < min) throw malformed(`${what}: ${c.length} elements, want ${min}`);
  return c;
}

/** oid decodes an OBJECT IDENTIFIER node to dotted form. */
export function oid(n) {
  n.expect(Tag.OID, 'OID');
  const v = n.value();
  if (v.length === 0 || v[v.length - 1] & 0x80) throw malformed('bad OID');
  const parts = [];
  let acc = 0n;
  for (let i = 0; i < v.length; i++) {
    acc = (acc << 7n) | BigInt(v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (parts.length === 0) {
        const first = acc < 80n ? acc / 40n : 2n;
        parts.push(first, acc - first * 40n);
      } else parts.push(acc);
      acc = 0n;
    }
  }
  return parts.join('.');
}

/** int returns a small non-negative INTEGER as a number. */
export function int(n) {
  n.expect(Tag.INTEGER, 'INTEGER');
  const v = n.value();
  if (v.length === 0 || v.length > 6 || v[0] & 0x80) throw malformed('INTEGER out of range');
  let x = 0;
  for (const b of v) x = x * 256 + b;
  return x;
}

/** intBytes returns an INTEGER's magnitude without leading zero bytes. */
export function intBytes(n) {
  n.expect(Tag.INTEGER, 'INTEGER');
  let v = n.value();
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  return v.subarray(i);
}

/** text decodes the string types found in names. */
export function text(n) {
  const v = n.value();
  switch (n.tag) {
    case Tag.BMP: {
      let s = '';
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
      return s;
    }
    case Tag.T61: // T61/Teletex: treat as Latin-1, as most libraries do
      return String.fromCharCode(...v);
    default:
      return new TextDecoder('utf-8', { fatal: false }).decode(v);
  }
}

/** time decodes UTCTime or GeneralizedTime (UTC, "Z" form) to a Date. */
export function time(n) {
  const s = String.fromCharCode(...n.value());
  let m;
  if (n.is(Tag.UTC_TIME)) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s);
    if (m) m[1] = (Number(m[1]) < 50 ? '20' : '19') + m[1];
  } else if (n.is(Tag.GENERALIZED_TIME)) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:\.\d+)?Z$/.exec(s);
  }
  if (!m) throw malformed('bad time');
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
}

/** concat joins byte arrays. */
export function concat(parts) {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** tlv encodes one DER TLV with a low tag byte. */
export function tlv(tagByte, content) {
  const n = content.length;
  let hdr;
  if (n < 0x80) hdr = [tagByte, n];
  else if (n < 0x100) hdr = [tagByte, 0x81, n];
  else if (n < 0x10000) hdr = [tagByte, 0x82, n >> 8, n & 0xff];
  else hdr = [tagByte, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([Uint8Array.from(hdr), content]);
}

/** hex returns lower-case hex of bytes. */
export function hex(b) {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** fromHex parses hex, ignoring spaces. */
export function fromHex(s) {
  s = s.replace(/\s+/g, '');
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

/** toBase64 encodes bytes in standard base64 with padding. */
export function toBase64(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** fromBase64 decodes standard base64. */
export function fromBase64(s) {
  const bin = atob(s.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** equal compares two byte arrays. */
export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
