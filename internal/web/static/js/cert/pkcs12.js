// PKCS#12 (.p12/.pfx) reading: the MAC check, plain and password-encrypted
// SafeContents, certificate bags and (shrouded) key bags. Both the classic
// encoding (SHA-1 MAC, pbeWithSHAAnd3-KeyTripleDES-CBC) and OpenSSL 3's
// (SHA-256 MAC, PBES2/PBKDF2-SHA256/AES-256-CBC) are read.

import { parse, seq, oid, int, equal, Tag } from './asn1.js';
import { malformed, unsupported, wrongPassword } from './errors.js';
import { SHA1, SHA256 } from './hash.js';
import { decrypt, pkcs12KDF, bmp, MAX_ITERATIONS, OID as PBE } from './pbe.js';

const OID = {
  DATA: '1.2.840.113549.1.7.1',
  ENCRYPTED_DATA: '1.2.840.113549.1.7.6',
  KEY_BAG: '1.2.840.113549.1.12.10.1.1',
  SHROUDED_KEY_BAG: '1.2.840.113549.1.12.10.1.2',
  CERT_BAG: '1.2.840.113549.1.12.10.1.3',
  X509_CERT: '1.2.840.113549.1.9.22.1',
  LOCAL_KEY_ID: '1.2.840.113549.1.9.21',
};
const MAC_HASH = { [PBE.SHA1]: [SHA1, 'SHA-1'], [PBE.SHA256]: [SHA256, 'SHA-256'] };

/** explicit0 returns the single child of a [0] EXPLICIT node. */
function explicit0(n, what) {
  if (!(n && n.cls === 2 && n.tag === 0 && n.cons)) throw malformed(`${what}: want [0]`);
  const c = n.children();
  if (c.length !== 1) throw malformed(`${what}: want one element`);
  return c[0];
}

/**
 * @typedef {object} Bag
 * @property {'cert'|'key'|'shrouded-key'} type
 * @property {Uint8Array} data certificate DER, PrivateKeyInfo, or EncryptedPrivateKeyInfo
 * @property {Uint8Array|null} localKeyId
 */

/** readSafeContents reads the bags of one SafeContents. */
function readSafeContents(der, bags) {
  for (const bag of seq(parse(der), 0, 'SafeContents')) {
    const c = seq(bag, 2, 'SafeBag');
    const id = oid(c[0]);
    const value = explicit0(c[1], 'bagValue');
    let localKeyId = null;
    if (c[2] && c[2].is(Tag.SET)) {
      for (const attr of c[2].children()) {
        const [t, vals] = seq(attr, 2, 'PKCS12Attribute');
        if (oid(t) === OID.LOCAL_KEY_ID && vals.children()[0]) localKeyId = vals.children()[0].octets();
      }
    }
    if (id === OID.CERT_BAG) {
      const [certId, cv] = seq(value, 2, 'CertBag');
      if (oid(certId) === OID.X509_CERT) {
        bags.push({ type: 'cert', data: explicit0(cv, 'certValue').expect(Tag.OCTET_STRING, 'certValue').octets(), localKeyId });
      }
    } else if (id === OID.KEY_BAG) {
      bags.push({ type: 'key', data: value.raw(), localKeyId });
    } else if (id === OID.SHROUDED_KEY_BAG) {
      bags.push({ type: 'shrouded-key', data: value.raw(), localKeyId });
    }
    // Other bag types (CRLs, secrets, nested safes) are not needed.
  }
}

/** verifyMac checks the PFX MAC; a mismatch means a wrong password. */
async function verifyMac(macData, content, password) {
  const m = seq(macData, 2, 'MacData');
  const [digestAlg, digest] = seq(m[0], 2, 'DigestInfo');
  const hashOid = oid(seq(digestAlg, 1, 'AlgorithmIdentifier')[0]);
  const salt = m[1].expect(Tag.OCTET_STRING, 'macSalt').octets();
  const iter = m[2] ? int(m[2]) : 1;
  if (iter < 1 || iter > MAX_ITERATIONS) throw unsupported(`${iter} MAC iterations`);
  const h = MAC_HASH[hashOid];
  if (!h) return false; // not cheap to check here: the decryption still detects a wrong password
  const key = pkcs12KDF(h[0], bmp(password), salt, 3, iter, h[0].u);
  const s = globalThis.crypto.subtle;
  const k = await s.importKey('raw', key, { name: 'HMAC', hash: h[1] }, false, ['sign']);
  const mac = new Uint8Array(await s.sign('HMAC', k, content));
  if (!equal(mac, digest.expect(Tag.OCTET_STRING, 'MAC digest').octets())) throw wrongPassword('PKCS#12 MAC mismatch');
  return true;
}

/**
 * readPFX reads a PKCS#12 file. With a password it checks the MAC and
 * decrypts encrypted SafeContents; without one (password === null) it
 * returns what is readable in the clear, so the dialog can list the
 * certificate before the password is typed.
 * @param {Uint8Array} der
 * @param {string|null} password
 * @returns {Promise<{bags: Bag[], macVerified: boolean, locked: boolean}>}
 *   locked: some contents were encrypted and not read (no password given)
 */
export async function readPFX(der, password) {
  const pfx = seq(parse(der), 2, 'PFX');
  if (int(pfx[0]) !== 3) throw unsupported('PKCS#12 version');
  const [ctype, cval] = seq(pfx[1], 2, 'authSafe');
  if (oid(ctype) !== OID.DATA) throw unsupported('PKCS#12 with public-key integrity');
  const content = explicit0(cval, 'authSafe content').expect(Tag.OCTET_STRING, 'authSafe').octets();
  let macVerified = false;
  if (password !== null && pfx[2]) macVerified = await verifyMac(pfx[2], content, password);
  const bags = [];
  let locked = false;
  for (const ci of seq(parse(content), 0, 'AuthenticatedSafe')) {
    const [t, v] = seq(ci, 2, 'ContentInfo');
    const type = oid(t);
    if (type === OID.DATA) {
      readSafeContents(explicit0(v, 'data').expect(Tag.OCTET_STRING, 'data').octets(), bags);
    } else if (type === OID.ENCRYPTED_DATA) {
      if (password === null) { locked = true; continue; }
      const ed = seq(explicit0(v, 'encryptedData'), 2, 'EncryptedData');
      const [, alg, ct] = seq(ed[1], 3, 'EncryptedContentInfo');
      if (!(ct.cls === 2 && ct.tag === 0)) throw malformed('encryptedContent: want [0]');
      readSafeContents(await decrypt(alg, ct.octets(), password), bags);
    } else {
      throw unsupported(`PKCS#12 content type ${type}`);
    }
  }
  return { bags, macVerified, locked };
}
