// DES and Triple DES (FIPS 46-3, SP 800-67) decryption, only for PKCS#12
// files protected with pbeWithSHAAnd3-KeyTripleDES-CBC (the classic
// encoding, e.g. the yessign test cert.p12). WebCrypto has no DES. Written
// for clarity over speed: blocks are arrays of bits, tables are the ones
// printed in the standard (1-based bit numbers).

import { CertError, Code } from './errors.js';

const t = (s) => s.trim().split(/\s+/).map(Number);
const IP = t(`58 50 42 34 26 18 10 2 60 52 44 36 28 20 12 4 62 54 46 38 30 22 14 6 64 56 48 40 32 24 16 8
  57 49 41 33 25 17 9 1 59 51 43 35 27 19 11 3 61 53 45 37 29 21 13 5 63 55 47 39 31 23 15 7`);
const FP = new Array(64);
IP.forEach((v, i) => { FP[v - 1] = i + 1; });
// E expands 32 bits to 48: groups of six overlapping bits.
const E = Array.from({ length: 48 }, (_, i) => ((4 * Math.floor(i / 6) + (i % 6) - 1 + 32) % 32) + 1);
const P = t('16 7 20 21 29 12 28 17 1 15 23 26 5 18 31 10 2 8 24 14 32 27 3 9 19 13 30 6 22 11 4 25');
const PC1 = t(`57 49 41 33 25 17 9 1 58 50 42 34 26 18 10 2 59 51 43 35 27 19 11 3 60 52 44 36
  63 55 47 39 31 23 15 7 62 54 46 38 30 22 14 6 61 53 45 37 29 21 13 5 28 20 12 4`);
const PC2 = t(`14 17 11 24 1 5 3 28 15 6 21 10 23 19 12 4 26 8 16 7 27 20 13 2
  41 52 31 37 47 55 30 40 51 45 33 48 44 49 39 56 34 53 46 42 50 36 29 32`);
const SHIFTS = t('1 1 2 2 2 2 2 2 1 2 2 2 2 2 2 1');
const S = [
  '14 4 13 1 2 15 11 8 3 10 6 12 5 9 0 7 0 15 7 4 14 2 13 1 10 6 12 11 9 5 3 8 4 1 14 8 13 6 2 11 15 12 9 7 3 10 5 0 15 12 8 2 4 9 1 7 5 11 3 14 10 0 6 13',
  '15 1 8 14 6 11 3 4 9 7 2 13 12 0 5 10 3 13 4 7 15 2 8 14 12 0 1 10 6 9 11 5 0 14 7 11 10 4 13 1 5 8 12 6 9 3 2 15 13 8 10 1 3 15 4 2 11 6 7 12 0 5 14 9',
  '10 0 9 14 6 3 15 5 1 13 12 7 11 4 2 8 13 7 0 9 3 4 6 10 2 8 5 14 12 11 15 1 13 6 4 9 8 15 3 0 11 1 2 12 5 10 14 7 1 10 13 0 6 9 8 7 4 15 14 3 11 5 2 12',
  '7 13 14 3 0 6 9 10 1 2 8 5 11 12 4 15 13 8 11 5 6 15 0 3 4 7 2 12 1 10 14 9 10 6 9 0 12 11 7 13 15 1 3 14 5 2 8 4 3 15 0 6 10 1 13 8 9 4 5 11 12 7 2 14',
  '2 12 4 1 7 10 11 6 8 5 3 15 13 0 14 9 14 11 2 12 4 7 13 1 5 0 15 10 3 9 8 6 4 2 1 11 10 13 7 8 15 9 12 5 6 3 0 14 11 8 12 7 1 14 2 13 6 15 0 9 10 4 5 3',
  '12 1 10 15 9 2 6 8 0 13 3 4 14 7 5 11 10 15 4 2 7 12 9 5 6 1 13 14 0 11 3 8 9 14 15 5 2 8 12 3 7 0 4 10 1 13 11 6 4 3 2 12 9 5 15 10 11 14 1 7 6 0 8 13',
  '4 11 2 14 15 0 8 13 3 12 9 7 5 10 6 1 13 0 11 7 4 9 1 10 14 3 5 12 2 15 8 6 1 4 11 13 12 3 7 14 10 15 6 8 0 5 9 2 6 11 13 8 1 4 10 7 9 5 0 15 14 2 3 12',
  '13 2 8 4 6 15 11 1 10 9 3 14 5 0 12 7 1 15 13 8 10 3 7 4 12 5 6 11 0 14 9 2 7 11 4 1 9 12 14 2 0 6 10 13 15 3 5 8 2 1 14 7 4 10 8 13 15 12 9 0 3 5 6 11',
].map(t);

const perm = (bits, table) => table.map((i) => bits[i - 1]);
const toBits = (b, off, n) => Array.from({ length: n * 8 }, (_, i) => (b[off + (i >> 3)] >> (7 - (i & 7))) & 1);
const bitsToInt = (bits) => bits.reduce((a, b) => ((a << 1) | b) >>> 0, 0);
const intBits = (x, n) => Array.from({ length: n }, (_, i) => (x >>> (n - 1 - i)) & 1);

// SP[s][x] is P applied to the output of S-box s for the six input bits x,
// placed at its four bit positions: the round function is then eight lookups.
const SP = S.map((box, s) => Int32Array.from({ length: 64 }, (_, x) => {
  const v = box[(((x >> 5) << 1) | (x & 1)) * 16 + ((x >> 1) & 15)];
  const f = new Array(32).fill(0);
  intBits(v, 4).forEach((b, j) => { f[4 * s + j] = b; });
  return bitsToInt(perm(f, P));
}));

/** Des is single DES for one 8-byte key (parity bits ignored). */
export class Des {
  constructor(key) {
    const cd = perm(toBits(key, 0, 8), PC1);
    let c = cd.slice(0, 28), d = cd.slice(28);
    // Each subkey as eight 6-bit chunks, one per S-box.
    this.subkeys = SHIFTS.map((sh) => {
      c = c.slice(sh).concat(c.slice(0, sh));
      d = d.slice(sh).concat(d.slice(0, sh));
      const k = perm(c.concat(d), PC2);
      return Array.from({ length: 8 }, (_, s) => bitsToInt(k.slice(6 * s, 6 * s + 6)));
    });
  }

  /** crypt processes the 8-byte block src[si:] into dst[di:]. */
  crypt(src, si, dst, di, decrypt) {
    const b = perm(toBits(src, si, 8), IP);
    let l = bitsToInt(b.slice(0, 32)), r = bitsToInt(b.slice(32));
    for (let round = 0; round < 16; round++) {
      const k = this.subkeys[decrypt ? 15 - round : round];
      let f = 0;
      for (let s = 0; s < 8; s++) {
        let six = 0;
        for (let j = 6 * s; j < 6 * s + 6; j++) six = (six << 1) | ((r >>> (32 - E[j])) & 1);
        f |= SP[s][six ^ k[s]];
      }
      [l, r] = [r, (l ^ f) >>> 0];
    }
    const o = perm(intBits(r, 32).concat(intBits(l, 32)), FP);
    for (let i = 0; i < 8; i++) dst[di + i] = bitsToInt(o.slice(8 * i, 8 * i + 8));
  }
}
/** TripleDes is DES-EDE3 (24-byte key) or two-key DES-EDE (16 bytes). */
export class TripleDes {
  constructor(key) {
    if (key.length !== 24 && key.length !== 16) throw new CertError(Code.UNSUPPORTED, 'Triple DES key must be 16 or 24 bytes');
    this.k = [new Des(key.subarray(0, 8)), new Des(key.subarray(8, 16)), new Des(key.length === 24 ? key.subarray(16, 24) : key.subarray(0, 8))];
  }

  crypt(src, si, dst, di, decrypt) {
    const tmp = new Uint8Array(8);
    if (decrypt) {
      this.k[2].crypt(src, si, tmp, 0, true);
      this.k[1].crypt(tmp, 0, tmp, 0, false);
      this.k[0].crypt(tmp, 0, dst, di, true);
    } else {
      this.k[0].crypt(src, si, tmp, 0, false);
      this.k[1].crypt(tmp, 0, tmp, 0, true);
      this.k[2].crypt(tmp, 0, dst, di, false);
    }
  }
}
