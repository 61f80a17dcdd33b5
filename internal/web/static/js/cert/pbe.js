// Password-based decryption of private keys and PKCS#12 contents:
//
//   - 1.2.410.200004.1.15 seedCBCWithSHA1: PBKDF1-SHA1, SEED-CBC, IV = SHA1(DK[16:20])[0:16]
//   - 1.2.410.200004.1.4 seedCBC ("old style" top level): PBKDF1-SHA1, fixed IV "0123456789012345"
//   - 1.2.840.113549.1.5.13 PBES2: PBKDF2 (HMAC-SHA1 default, SHA-2 PRFs) with
//     SEED-CBC, AES-CBC (WebCrypto) or DES-EDE3-CBC
//   - 1.2.840.113549.1.12.1.3 / .4 PKCS#12 pbeWithSHAAnd3-/2-KeyTripleDES-CBC (PKCS#12 KDF)
//   - 1.2.840.113549.1.12.1.5 / .6 PKCS#12 pbeWithSHAAnd128BitRC2-CBC / 40BitRC2-CBC
//     (certificate bags of older PKCS#12 files)
//
// A password that does not decrypt shows as a CertError 'wrong-password'.
// Passwords are UTF-8 for PBKDF1/PBKDF2 and BMPString for the PKCS#12 KDF.

import { parse, seq, oid, int, Tag, concat } from './asn1.js';
import { malformed, unsupported, wrongPassword } from './errors.js';
import { SHA1, sha1 } from './hash.js';
import { seedCbcDecrypt, cbcDecrypt } from './seed.js';
import { TripleDes } from './des.js';
import { Rc2 } from './rc2.js';

export const OID = Object.freeze({
  SEED_CBC_WITH_SHA1: '1.2.410.200004.1.15',
  SEED_CBC: '1.2.410.200004.1.4',
  PBES2: '1.2.840.113549.1.5.13',
  PBKDF2: '1.2.840.113549.1.5.12',
  P12_3DES: '1.2.840.113549.1.12.1.3',
  P12_2DES: '1.2.840.113549.1.12.1.4',
  P12_RC2_128: '1.2.840.113549.1.12.1.5',
  P12_RC2_40: '1.2.840.113549.1.12.1.6',
  DES_EDE3_CBC: '1.2.840.113549.3.7',
  SHA1: '1.3.14.3.2.26',
  SHA256: '2.16.840.1.101.3.4.2.1',
});

const PRF = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
const AES = { '2.16.840.1.101.3.4.1.2': 16, '2.16.840.1.101.3.4.1.22': 24, '2.16.840.1.101.3.4.1.42': 32 };

/** Upper bound on KDF iterations, so a hostile file cannot hang the page. */
export const MAX_ITERATIONS = 1_000_000;

const OLD_STYLE_IV = new TextEncoder().encode('0123456789012345');

/** utf8 encodes the password as UTF-8 (what NPKI software and OpenSSL use). */
export const utf8 = (s) => new TextEncoder().encode(s);

/** bmp encodes the password as a PKCS#12 BMPString: UTF-16BE with two zero bytes. */
export function bmp(s) {
  const out = new Uint8Array(2 * s.length + 2);
  for (let i = 0; i < s.length; i++) { out[2 * i] = s.charCodeAt(i) >> 8; out[2 * i + 1] = s.charCodeAt(i) & 0xff; }
  return out;
}

/** pbkdf1 is PBKDF1-SHA1 (RFC 8018 §5.1) returning all 20 bytes of T_c. */
export function pbkdf1(pw, salt, iter) {
  let t = sha1(concat([pw, salt]));
  for (let i = 1; i < iter; i++) t = sha1(t);
  return t;
}

/**
 * pkcs12KDF derives n bytes with the PKCS#12 KDF (RFC 7292 App. B.2).
 * @param hash SHA1 or SHA256 from hash.js
 * @param pw BMPString password bytes (bmp())
 * @param id 1 key, 2 IV, 3 MAC key
 */
export function pkcs12KDF(hash, pw, salt, id, iter, n) {
  const { v, u, fn } = hash;
  const fill = (src) => {
    const len = src.length ? v * Math.ceil(src.length / v) : 0;
    const o = new Uint8Array(len);
    for (let i = 0; i < len; i++) o[i] = src[i % src.length];
    return o;
  };
  const D = new Uint8Array(v).fill(id);
  const I = concat([fill(salt), fill(pw)]);
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += u) {
    let a = fn(concat([D, I]));
    for (let i = 1; i < iter; i++) a = fn(a);
    out.set(a.subarray(0, Math.min(u, n - off)), off);
    const B = new Uint8Array(v);
    for (let i = 0; i < v; i++) B[i] = a[i % u];
    for (let j = 0; j < I.length; j += v) {
      let c = 1;
      for (let k = v - 1; k >= 0; k--) {
        c += I[j + k] + B[k];
        I[j + k] = c & 0xff;
        c >>= 8;
      }
    }
  }
  return out;
}

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw unsupported('WebCrypto is unavailable (the page needs HTTPS or localhost)');
  return s;
}

/** pbkdf2 derives n bytes with PBKDF2 through WebCrypto. */
async function pbkdf2(pw, salt, iter, hash, n) {
  const s = subtle();
  const k = await s.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await s.deriveBits({ name: 'PBKDF2', salt, iterations: iter, hash }, k, n * 8));
}

/** saltIter reads SEQUENCE { OCTET STRING salt, INTEGER iterations }. */
function saltIter(params, what) {
  const c = seq(params, 2, what);
  const salt = c[0].expect(Tag.OCTET_STRING, 'salt').octets();
  const iter = int(c[1]);
  if (iter < 1 || iter > MAX_ITERATIONS) throw unsupported(`${iter} iterations`);
  return { salt, iter, rest: c.slice(2) };
}

/** cbc decrypts with the cipher named by oid, mapping bad padding to wrong-password. */
async function cbc(encOid, key, iv, ct) {
  if (encOid === OID.SEED_CBC) return seedCbcDecrypt(key, iv, ct);
  if (encOid === OID.DES_EDE3_CBC) return cbcDecrypt(new TripleDes(key), 8, iv, ct);
  if (AES[encOid]) {
    if (ct.length === 0 || ct.length % 16) throw malformed('ciphertext is not whole blocks');
    const s = subtle();
    const k = await s.importKey('raw', key, 'AES-CBC', false, ['decrypt']);
    try {
      return new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv }, k, ct));
    } catch {
      throw wrongPassword('bad padding after AES decryption');
    }
  }
  throw unsupported(`cipher ${encOid}`);
}

function keySize(encOid) {
  if (encOid === OID.SEED_CBC) return 16;
  if (encOid === OID.DES_EDE3_CBC) return 24;
  if (AES[encOid]) return AES[encOid];
  throw unsupported(`cipher ${encOid}`);
}

/**
 * decrypt decrypts ct with the password-based scheme in the
 * AlgorithmIdentifier node alg. Returns the plaintext bytes.
 * @param {import('./asn1.js').Node} alg
 * @param {Uint8Array} ct
 * @param {string} password
 */
export async function decrypt(alg, ct, password) {
  const a = seq(alg, 1, 'AlgorithmIdentifier');
  const algOid = oid(a[0]);
  const params = a[1];
  if (!params) throw malformed(`${algOid} without parameters`);
  switch (algOid) {
    case OID.SEED_CBC_WITH_SHA1:
    case OID.SEED_CBC: {
      const { salt, iter } = saltIter(params, 'PBKDF1 parameters');
      const dk = pbkdf1(utf8(password), salt, iter);
      const iv = algOid === OID.SEED_CBC ? OLD_STYLE_IV : sha1(dk.subarray(16, 20)).subarray(0, 16);
      return seedCbcDecrypt(dk.subarray(0, 16), iv, ct);
    }
    case OID.PBES2: {
      const [kdf, enc] = seq(params, 2, 'PBES2 parameters');
      const [kdfOid, kdfParams] = seq(kdf, 2, 'PBES2 KDF');
      if (oid(kdfOid) !== OID.PBKDF2) throw unsupported(`PBES2 KDF ${oid(kdfOid)}`);
      const { salt, iter, rest } = saltIter(kdfParams, 'PBKDF2 parameters');
      let keyLen = 0, hash = 'SHA-1';
      for (const r of rest) {
        if (r.is(Tag.INTEGER)) keyLen = int(r);
        else {
          const p = oid(seq(r, 1, 'PRF')[0]);
          if (!PRF[p]) throw unsupported(`PBKDF2 PRF ${p}`);
          hash = PRF[p];
        }
      }
      const [encOidNode, ivNode] = seq(enc, 2, 'PBES2 cipher');
      const encOid = oid(encOidNode);
      const want = keySize(encOid);
      if (keyLen && keyLen !== want) throw malformed(`PBKDF2 key length ${keyLen} for ${encOid}`);
      const iv = ivNode.expect(Tag.OCTET_STRING, 'IV').octets();
      const key = await pbkdf2(utf8(password), salt, iter, hash, want);
      return cbc(encOid, key, iv, ct);
    }
    case OID.P12_3DES:
    case OID.P12_2DES:
    case OID.P12_RC2_128:
    case OID.P12_RC2_40: {
      const { salt, iter } = saltIter(params, 'PKCS#12 PBE parameters');
      const pw = bmp(password);
      const n = { [OID.P12_3DES]: 24, [OID.P12_2DES]: 16, [OID.P12_RC2_128]: 16, [OID.P12_RC2_40]: 5 }[algOid];
      const key = pkcs12KDF(SHA1, pw, salt, 1, iter, n);
      const iv = pkcs12KDF(SHA1, pw, salt, 2, iter, 8);
      const c = algOid === OID.P12_3DES || algOid === OID.P12_2DES ? new TripleDes(key) : new Rc2(key, n * 8);
      return cbcDecrypt(c, 8, iv, ct);
    }
  }
  throw unsupported(`encryption algorithm ${algOid}`);
}

/**
 * decryptPrivateKey decrypts a DER EncryptedPrivateKeyInfo (signPri.key or
 * a PKCS#12 shrouded key bag) and returns the DER PrivateKeyInfo bytes.
 * Only decryption happens here; key.js checks that the result parses.
 */
export async function decryptPrivateKey(der, password) {
  const [alg, data] = seq(parse(der), 2, 'EncryptedPrivateKeyInfo');
  return decrypt(alg, data.expect(Tag.OCTET_STRING, 'encryptedData').octets(), password);
}
