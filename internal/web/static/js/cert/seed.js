// SEED block cipher (KISA; RFC 4269), the cipher of NPKI signPri.key files,
// with CBC decryption. The S-box tables are computed from the algebraic
// definition in the SEED specification (as in internal/seed/seed.go) rather
// than pasted, so they are checkable and small.
//
// Not constant time (table lookups); it decrypts one key file in the page.

import { CertError, Code } from './errors.js';

// GF(2^8) modulo x^8+x^6+x^5+x+1.
function gfMul(a, b) {
  let r = 0;
  for (; b; b >>= 1) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x163;
  }
  return r;
}
function gfPow(x, e) {
  let r = 1;
  for (; e; e >>= 1) {
    if (e & 1) r = gfMul(r, x);
    x = gfMul(x, x);
  }
  return r;
}
// affine computes A·y ⊕ c; row i of A is the mask of input bits whose parity is output bit i.
function affine(rows, y, c) {
  let o = 0;
  rows.forEach((row, i) => {
    let v = row & y, p = 0;
    for (; v; v &= v - 1) p ^= 1;
    o |= p << i;
  });
  return o ^ c;
}

const A1 = [0x14, 0x88, 0x21, 0x45, 0x42, 0x85, 0xfe, 0x8a];
const A2 = [0x14, 0x42, 0x88, 0x8a, 0x21, 0xfe, 0x85, 0x45];
const M0 = 0xfc, M1 = 0xf3, M2 = 0xcf, M3 = 0x3f;
const SS = [0, 1, 2, 3].map(() => new Int32Array(256));
for (let x = 0; x < 256; x++) {
  const s1 = affine(A1, gfPow(x, 247), 169);
  const s2 = affine(A2, gfPow(x, 251), 56);
  SS[0][x] = ((s1 & M3) << 24) | ((s1 & M2) << 16) | ((s1 & M1) << 8) | (s1 & M0);
  SS[1][x] = ((s2 & M0) << 24) | ((s2 & M3) << 16) | ((s2 & M2) << 8) | (s2 & M1);
  SS[2][x] = ((s1 & M1) << 24) | ((s1 & M0) << 16) | ((s1 & M3) << 8) | (s1 & M2);
  SS[3][x] = ((s2 & M2) << 24) | ((s2 & M1) << 16) | ((s2 & M0) << 8) | (s2 & M3);
}
const G = (x) => SS[0][x & 0xff] ^ SS[1][(x >>> 8) & 0xff] ^ SS[2][(x >>> 16) & 0xff] ^ SS[3][x >>> 24];

const be32 = (b, i) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const put32 = (b, i, x) => { b[i] = x >>> 24; b[i + 1] = x >>> 16; b[i + 2] = x >>> 8; b[i + 3] = x; };

/** Seed is a SEED cipher for one 16-byte key. */
export class Seed {
  /** @param {Uint8Array} key 16 bytes */
  constructor(key) {
    if (key.length !== 16) throw new CertError(Code.UNSUPPORTED, 'SEED key must be 16 bytes');
    let k0 = be32(key, 0), k1 = be32(key, 4), k2 = be32(key, 8), k3 = be32(key, 12);
    let kc = 0x9e3779b9 | 0;
    this.k = new Int32Array(32);
    for (let i = 0; i < 16; i++) {
      this.k[2 * i] = G((k0 + k2 - kc) | 0);
      this.k[2 * i + 1] = G((k1 - k3 + kc) | 0);
      if (i % 2 === 0) [k0, k1] = [(k0 >>> 8) | (k1 << 24), (k1 >>> 8) | (k0 << 24)];
      else [k2, k3] = [(k2 << 8) | (k3 >>> 24), (k3 << 8) | (k2 >>> 24)];
      kc = (kc << 1) | (kc >>> 31);
    }
  }

  /** crypt en- or decrypts the 16-byte block src[si:] into dst[di:]. */
  crypt(src, si, dst, di, decrypt) {
    let l0 = be32(src, si), l1 = be32(src, si + 4), r0 = be32(src, si + 8), r1 = be32(src, si + 12);
    for (let i = 0; i < 16; i++) {
      const j = decrypt ? 15 - i : i;
      let c = r0 ^ this.k[2 * j], d = r1 ^ this.k[2 * j + 1];
      d = G(d ^ c);
      c = G((c + d) | 0);
      d = G((d + c) | 0);
      c = (c + d) | 0;
      [l0, l1, r0, r1] = [r0, r1, l0 ^ c, l1 ^ d];
    }
    put32(dst, di, r0); put32(dst, di + 4, r1); put32(dst, di + 8, l0); put32(dst, di + 12, l1);
  }

  /** encryptBlock returns the encryption of one 16-byte block. */
  encryptBlock(b) { const o = new Uint8Array(16); this.crypt(b, 0, o, 0, false); return o; }
  /** decryptBlock returns the decryption of one 16-byte block. */
  decryptBlock(b) { const o = new Uint8Array(16); this.crypt(b, 0, o, 0, true); return o; }
}

/**
 * cbcDecrypt decrypts ct with a block cipher in CBC mode and removes PKCS#7
 * padding. Bad length or padding is reported as a wrong password, which is
 * what it nearly always means for a password-derived key.
 * @param {{crypt: Function}} cipher block cipher with crypt(src, si, dst, di, decrypt)
 * @param {number} bs block size
 */
export function cbcDecrypt(cipher, bs, iv, ct) {
  if (ct.length === 0 || ct.length % bs !== 0) throw new CertError(Code.MALFORMED, 'ciphertext is not whole blocks');
  if (iv.length !== bs) throw new CertError(Code.MALFORMED, 'bad IV length');
  const pt = new Uint8Array(ct.length);
  for (let off = 0; off < ct.length; off += bs) {
    cipher.crypt(ct, off, pt, off, true);
    const prev = off === 0 ? iv : ct.subarray(off - bs, off);
    for (let i = 0; i < bs; i++) pt[off + i] ^= prev[i];
  }
  const p = pt[pt.length - 1];
  let bad = p === 0 || p > bs ? 1 : 0;
  for (let i = 1; i <= bs && !bad; i++) if (i <= p && pt[pt.length - i] !== p) bad = 1;
  if (bad) throw new CertError(Code.WRONG_PASSWORD, 'bad padding after decryption');
  return pt.subarray(0, pt.length - p);
}

/** seedCbcDecrypt decrypts SEED-CBC with PKCS#7 padding. */
export function seedCbcDecrypt(key, iv, ct) {
  return cbcDecrypt(new Seed(key), 16, iv, ct);
}

/** seedCbcEncrypt encrypts SEED-CBC with PKCS#7 padding (tests and tools). */
export function seedCbcEncrypt(key, iv, pt) {
  const s = new Seed(key);
  const p = 16 - (pt.length % 16);
  const buf = new Uint8Array(pt.length + p).fill(p);
  buf.set(pt);
  let prev = iv;
  for (let off = 0; off < buf.length; off += 16) {
    for (let i = 0; i < 16; i++) buf[off + i] ^= prev[i];
    s.crypt(buf, off, buf, off, false);
    prev = buf.subarray(off, off + 16);
  }
  return buf;
}
