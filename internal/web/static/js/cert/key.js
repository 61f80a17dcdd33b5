// Decrypted private keys: parsing PKCS#8 PrivateKeyInfo, reading the NPKI R
// attribute (1.2.410.200004.10.1.1.3, for VID checks; never sent anywhere),
// re-encoding a minimal PrivateKeyInfo without attributes for WebCrypto,
// and RSA PKCS#1 v1.5 SHA-256 signing.

import { parse, seq, oid, int, intBytes, tlv, concat, equal, Tag } from './asn1.js';
import { CertError, Code, unsupported, wrongPassword } from './errors.js';
import { RSA_ENCRYPTION } from './x509.js';

export const OID_RANDOM_NUM = '1.2.410.200004.10.1.1.3';

/**
 * @typedef {object} PrivateKey
 * @property {Uint8Array} pkcs8 minimal DER PrivateKeyInfo (no attributes)
 * @property {Uint8Array|null} random the R value, if the key carries one
 * @property {Uint8Array} modulus RSA modulus (no leading zeros)
 * @property {Uint8Array} exponent RSA public exponent
 */

/**
 * parsePrivateKeyInfo reads a decrypted PrivateKeyInfo. Bytes that do not
 * parse as an RSA PrivateKeyInfo come, after a decryption with valid-looking
 * padding, from a wrong password: they are reported as 'wrong-password'
 * when fromDecryption is true.
 * @returns {PrivateKey}
 */
export function parsePrivateKeyInfo(der, fromDecryption = true) {
  let f, rsa;
  try {
    f = seq(parse(der), 3, 'PrivateKeyInfo');
    if (int(f[0]) > 1) throw new CertError(Code.MALFORMED, 'PrivateKeyInfo version');
    const algOid = oid(seq(f[1], 1, 'AlgorithmIdentifier')[0]);
    if (algOid !== RSA_ENCRYPTION) throw unsupported(`private key algorithm ${algOid}`);
    rsa = seq(parse(f[2].expect(Tag.OCTET_STRING, 'privateKey').value()), 9, 'RSAPrivateKey');
    rsa.forEach((n) => n.expect(Tag.INTEGER, 'RSAPrivateKey field'));
  } catch (e) {
    if (fromDecryption && e instanceof CertError && e.code === Code.MALFORMED) {
      throw wrongPassword('decrypted key does not parse');
    }
    throw e;
  }
  let random = null;
  const attrs = f.slice(3).find((n) => n.cls === 2 && n.tag === 0 && n.cons);
  if (attrs) {
    for (const a of attrs.children()) {
      const c = a.is(Tag.SEQUENCE) ? a.children() : [];
      if (c.length === 2 && c[0].is(Tag.OID) && oid(c[0]) === OID_RANDOM_NUM && c[1].is(Tag.SET)) {
        const v = c[1].children()[0];
        if (v && v.is(Tag.BIT_STRING) && v.value().length > 1) random = v.value().slice(1);
      }
    }
  }
  const pkcs8 = tlv(0x30, concat([Uint8Array.of(2, 1, 0), f[1].raw(), f[2].raw()]));
  return { pkcs8, random, modulus: intBytes(rsa[1]), exponent: intBytes(rsa[2]) };
}

/**
 * checkPair throws 'key-mismatch' unless the key's public half is the
 * certificate's public key.
 */
export function checkPair(key, cert) {
  if (!cert.modulus || !equal(key.modulus, cert.modulus) || !equal(key.exponent, cert.exponent)) {
    throw new CertError(Code.KEY_MISMATCH, 'the private key does not belong to the certificate');
  }
}

/** importSigningKey imports the key into WebCrypto, non-extractable, for signing. */
export async function importSigningKey(key) {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw unsupported('WebCrypto is unavailable (the page needs HTTPS or localhost)');
  return s.importKey('pkcs8', key.pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

/** sign returns the RSA PKCS#1 v1.5 SHA-256 signature of message bytes. */
export async function sign(cryptoKey, message) {
  return new Uint8Array(await globalThis.crypto.subtle.sign('RSASSA-PKCS1-v1_5', cryptoKey, message));
}
