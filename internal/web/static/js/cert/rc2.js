// RC2 (RFC 2268) decryption, only for PKCS#12 files whose certificate bags
// are encrypted with pbeWithSHAAnd40BitRC2-CBC (older OpenSSL and Windows
// exports). WebCrypto has no RC2. Words are 16-bit, little-endian.

import { unsupported } from './errors.js';

// PITABLE: a permutation of 0..255 from the digits of pi (RFC 2268 §2).
const PI = Uint8Array.from(`d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32
bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb6266fbf0eda4669
0757 27f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e
0418a4ecc2e0416e0f51cbcc2491af50a1f4703999 7c3a8523b8b47afc02365b25559731 2d5dfa98e38a92ae05df2910676cbac9d3
00e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad`
  .replace(/\s+/g, '').match(/../g).map((h) => parseInt(h, 16)));

/** Rc2 is RC2 for one key with effective key length bits (40 or 128 in PKCS#12). */
export class Rc2 {
  constructor(key, bits = key.length * 8) {
    if (PI.length !== 256 || key.length < 1 || key.length > 128 || bits < 1 || bits > 1024) throw unsupported('RC2 key');
    const L = new Uint8Array(128);
    L.set(key);
    const T = key.length;
    for (let i = T; i < 128; i++) L[i] = PI[(L[i - 1] + L[i - T]) & 0xff];
    const T8 = Math.ceil(bits / 8);
    const TM = 0xff >> (8 * T8 - bits);
    L[128 - T8] = PI[L[128 - T8] & TM];
    for (let i = 127 - T8; i >= 0; i--) L[i] = PI[L[i + 1] ^ L[i + T8]];
    this.K = Uint16Array.from({ length: 64 }, (_, i) => L[2 * i] | (L[2 * i + 1] << 8));
  }

  /** crypt decrypts the 8-byte block src[si:] into dst[di:] (decryption only). */
  crypt(src, si, dst, di, decrypt) {
    if (!decrypt) throw unsupported('RC2 encryption');
    const K = this.K;
    const R = Uint16Array.from({ length: 4 }, (_, i) => src[si + 2 * i] | (src[si + 2 * i + 1] << 8));
    const S = [1, 2, 3, 5];
    let j = 63;
    const rmix = () => {
      for (let i = 3; i >= 0; i--) {
        const r = R[i];
        R[i] = (r >>> S[i]) | (r << (16 - S[i]));
        R[i] -= K[j--] + (R[(i + 3) & 3] & R[(i + 2) & 3]) + (~R[(i + 3) & 3] & R[(i + 1) & 3]);
      }
    };
    const rmash = () => { for (let i = 3; i >= 0; i--) R[i] -= K[R[(i + 3) & 3] & 63]; };
    for (let i = 0; i < 5; i++) rmix();
    rmash();
    for (let i = 0; i < 6; i++) rmix();
    rmash();
    for (let i = 0; i < 5; i++) rmix();
    for (let i = 0; i < 4; i++) { dst[di + 2 * i] = R[i] & 0xff; dst[di + 2 * i + 1] = R[i] >> 8; }
  }
}

export { PI as PITABLE };
