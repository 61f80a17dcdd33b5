// Reading X.509 certificates for the dialog: names, serial, validity,
// first certificate policy, key usage and the RSA public key. Parsing only;
// the server verifies the chain.

import { parse, seq, oid, int, intBytes, text, time, hex, Tag } from './asn1.js';
import { malformed } from './errors.js';

const ATTR = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O',
  '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '1.2.840.113549.1.9.1': 'E',
};
const KEY_USAGE = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment',
  'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];
export const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/**
 * parseName reads a Name into {rdns: [[type, value]...], string, get(type)}.
 * string is in RFC 4514 order (most specific first).
 */
function parseName(n) {
  const rdns = [];
  for (const set of n.expect(Tag.SEQUENCE, 'Name').children()) {
    if (!set.is(Tag.SET)) throw malformed('Name: RDN is not a SET');
    for (const atv of set.children()) {
      const [t, v] = seq(atv, 2, 'AttributeTypeAndValue');
      const o = oid(t);
      rdns.push([ATTR[o] || o, text(v)]);
    }
  }
  const str = rdns.slice().reverse().map(([k, v]) => `${k}=${v}`).join(', ');
  const get = (k) => { const f = rdns.filter((r) => r[0] === k); return f.length ? f[f.length - 1][1] : ''; };
  return { rdns, string: str, get };
}

/**
 * @typedef {object} Certificate
 * @property {Uint8Array} der
 * @property {string} serial hex, no leading zeros
 * @property {{string: string, get: (k: string) => string}} subject
 * @property {{string: string, get: (k: string) => string}} issuer
 * @property {Date} notBefore
 * @property {Date} notAfter
 * @property {string} policy first certificate policy OID ('' if none)
 * @property {string[]} keyUsage names of the key usage bits set
 * @property {string} keyAlgorithm OID of the public key
 * @property {Uint8Array|null} modulus RSA modulus (no leading zeros)
 * @property {Uint8Array|null} exponent RSA public exponent
 */

/** parseCertificate parses a DER X.509 certificate. */
export function parseCertificate(der) {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  const [tbs] = seq(parse(bytes), 3, 'Certificate');
  const f = seq(tbs, 6, 'TBSCertificate');
  let i = 0;
  if (f[0].cls === 2 && f[0].tag === 0) i++; // [0] version
  if (f.length < i + 6) throw malformed('TBSCertificate too short');
  const serial = hex(intBytes(f[i]));
  const issuer = parseName(f[i + 2]);
  const [nb, na] = seq(f[i + 3], 2, 'Validity');
  const subject = parseName(f[i + 4]);
  const [spkiAlg, spkiKey] = seq(f[i + 5], 2, 'SubjectPublicKeyInfo');
  const keyAlgorithm = oid(seq(spkiAlg, 1, 'AlgorithmIdentifier')[0]);
  let modulus = null, exponent = null;
  if (keyAlgorithm === RSA_ENCRYPTION) {
    const bits = spkiKey.expect(Tag.BIT_STRING, 'subjectPublicKey').value();
    if (bits.length < 2 || bits[0] !== 0) throw malformed('bad subjectPublicKey');
    const [n, e] = seq(parse(bits.subarray(1)), 2, 'RSAPublicKey');
    modulus = intBytes(n);
    exponent = intBytes(e);
  }
  let policy = '';
  let keyUsage = [];
  for (const ext of f.slice(i + 6)) {
    if (!(ext.cls === 2 && ext.tag === 3)) continue;
    const exts = ext.children();
    if (exts.length !== 1) throw malformed('bad extensions');
    for (const e of seq(exts[0], 0, 'Extensions')) {
      const c = seq(e, 2, 'Extension');
      const id = oid(c[0]);
      const val = c[c.length - 1].expect(Tag.OCTET_STRING, 'extnValue').value();
      if (id === '2.5.29.32') {
        const pols = seq(parse(val), 1, 'certificatePolicies');
        policy = oid(seq(pols[0], 1, 'PolicyInformation')[0]);
      } else if (id === '2.5.29.15') {
        const b = parse(val).expect(Tag.BIT_STRING, 'keyUsage').value();
        keyUsage = KEY_USAGE.filter((_, bit) => 1 + (bit >> 3) < b.length && (b[1 + (bit >> 3)] & (0x80 >> (bit & 7))));
      }
    }
  }
  return {
    der: bytes, serial, issuer, subject, notBefore: time(nb), notAfter: time(na),
    policy, keyUsage, keyAlgorithm, modulus, exponent,
    version: i ? int(explicit0(f[0])) + 1 : 1,
  };
}

/** explicit0 returns the one child of an [n] EXPLICIT node. */
function explicit0(n) {
  const c = n.children();
  if (c.length !== 1) throw malformed('bad explicit tag');
  return c[0];
}

/** serialDecimal renders a hex serial in decimal, as Korean CA tools show it. */
export function serialDecimal(hexSerial) {
  return hexSerial ? BigInt('0x' + hexSerial).toString(10) : '0';
}
