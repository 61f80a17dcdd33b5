// Certificates as the dialog lists them: an NPKI pair (signCert.der +
// signPri.key) or a PKCS#12 file, still encrypted, and their unlocking with
// the password into a WebCrypto signing key. The password and the decrypted
// key stay in this page; only the certificate and a signature leave it.

import { hex } from './asn1.js';
import { CertError, Code, malformed } from './errors.js';
import { sha256 } from './hash.js';
import { decryptPrivateKey } from './pbe.js';
import { readPFX } from './pkcs12.js';
import { parseCertificate } from './x509.js';
import { parsePrivateKeyInfo, checkPair, importSigningKey, sign } from './key.js';
import { classify } from './policy.js';

/** Certificates expiring within this many days are flagged. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * @typedef {object} Entry  one certificate candidate, still encrypted
 * @property {string} id stable id: SHA-256 hex of the certificate (or of the p12 file while locked)
 * @property {'npki'|'p12'} kind
 * @property {string} source where it came from (folder path or file name)
 * @property {import('./x509.js').Certificate|null} cert null for a p12 whose certificate is encrypted
 * @property {Uint8Array} [certDER] npki: signCert.der
 * @property {Uint8Array} [keyFile] npki: signPri.key
 * @property {Uint8Array} [p12] p12: the file
 */

/** npkiEntry makes an Entry from signCert.der and signPri.key bytes. */
export function npkiEntry(certDER, keyFile, source = '') {
  const cert = parseCertificate(certDER);
  return { id: hex(sha256(cert.der)), kind: 'npki', source, cert, certDER: cert.der, keyFile };
}

/** p12Entry makes an Entry from a .p12/.pfx file, reading the certificate if it is in the clear. */
export async function p12Entry(p12, source = '') {
  const { bags } = await readPFX(p12, null);
  const certs = bags.filter((b) => b.type === 'cert').map((b) => parseCertificate(b.data));
  // The end-entity certificate: the one that is not a CA of another in the file.
  const cert = certs.find((c) => !certs.some((o) => o !== c && o.issuer.string === c.subject.string)) || null;
  return { id: hex(sha256(cert ? cert.der : p12)), kind: 'p12', source, cert, p12 };
}

/**
 * displayName returns the person's part of an NPKI subject CN, which
 * appends an identifier to the name: "홍길동()0020261207..." gives
 * "홍길동", "HKD(KILDONG.HONG)0091..." gives "HKD(KILDONG.HONG)". A CN of
 * another shape is returned whole.
 */
export function displayName(cn) {
  const m = /^([^()]+)\(([^()]*)\)[0-9A-Za-z]*$/.exec(cn || '');
  if (!m) return cn || '';
  return m[2] ? `${m[1]}(${m[2]})` : m[1];
}

/**
 * describe returns what the table shows for an entry at time now:
 * class (personal/institution/unknown), user (the name of the subject CN,
 * see displayName) and cn (the whole CN), validity, issuer (O, else CN),
 * and the flags: expired (past notAfter), notYetValid (before notBefore),
 * unusable (either), expiringSoon.
 */
export function describe(entry, now = new Date()) {
  const c = entry.cert;
  if (!c) {
    return { cls: 'unknown', user: entry.source, cn: entry.source, notBefore: null, notAfter: null, issuer: '',
      expired: false, notYetValid: false, unusable: false, expiringSoon: false, locked: true };
  }
  const left = c.notAfter.getTime() - now.getTime();
  const cn = c.subject.get('CN') || c.subject.string;
  const expired = left < 0, notYetValid = c.notBefore.getTime() > now.getTime();
  return {
    cls: classify(c.policy),
    user: displayName(cn),
    cn,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    issuer: c.issuer.get('O') || c.issuer.get('CN'),
    expired,
    notYetValid,
    unusable: expired || notYetValid,
    expiringSoon: !expired && !notYetValid && left < EXPIRY_WARNING_DAYS * 86400e3,
    locked: false,
  };
}

/**
 * @typedef {object} Unlocked
 * @property {import('./x509.js').Certificate} cert
 * @property {CryptoKey} signingKey non-extractable
 * @property {Uint8Array|null} random the R value (for VID checks in the page only; never send it)
 */

/**
 * unlock decrypts the entry's key with password and imports it for
 * signing. A wrong password throws CertError 'wrong-password'.
 * @returns {Promise<Unlocked>}
 */
export async function unlock(entry, password) {
  let cert = entry.cert, key;
  if (entry.kind === 'npki') {
    key = parsePrivateKeyInfo(await decryptPrivateKey(entry.keyFile, password));
  } else {
    const { bags } = await readPFX(entry.p12, password);
    const keyBag = bags.find((b) => b.type === 'shrouded-key' || b.type === 'key');
    if (!keyBag) throw malformed('no private key in the PKCS#12 file');
    key = parsePrivateKeyInfo(keyBag.type === 'key' ? keyBag.data : await decryptPrivateKey(keyBag.data, password), keyBag.type !== 'key');
    // The certificate of this key, wherever it sits in the file.
    for (const b of bags) {
      if (b.type !== 'cert') continue;
      const c = parseCertificate(b.data);
      try { checkPair(key, c); cert = c; break; } catch { /* another certificate of the chain */ }
    }
  }
  if (!cert) throw new CertError(Code.KEY_MISMATCH, 'no certificate for the private key');
  checkPair(key, cert);
  return { cert, signingKey: await importSigningKey(key), random: key.random };
}

/** signWith signs message bytes with an unlocked certificate. */
export function signWith(unlocked, message) {
  return sign(unlocked.signingKey, message);
}
