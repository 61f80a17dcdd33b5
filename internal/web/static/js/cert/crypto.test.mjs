// Primitive tests: SEED on the RFC 4269 vectors, SHA-1/SHA-256 and Triple
// DES against Node's OpenSSL, PBKDF1 against an independent computation,
// and the DER reader on hand-made encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createCipheriv, randomBytes } from 'node:crypto';
import { Seed, seedCbcDecrypt, seedCbcEncrypt } from './seed.js';
import { sha1, sha256 } from './hash.js';
import { Des, TripleDes } from './des.js';
import { Rc2, PITABLE } from './rc2.js';
import { cbcDecrypt } from './seed.js';
import { pbkdf1, bmp } from './pbe.js';
import { parse, oid, int, time, fromHex, hex, toBase64, fromBase64, Tag } from './asn1.js';
import { CertError } from './errors.js';

const u8 = (b) => new Uint8Array(b);

test('SEED: RFC 4269 Appendix B vectors', () => {
  const vectors = [
    ['00000000000000000000000000000000', '000102030405060708090a0b0c0d0e0f', '5ebac6e0054e166819aff1cc6d346cdb'],
    ['000102030405060708090a0b0c0d0e0f', '00000000000000000000000000000000', 'c11f22f20140505084483597e4370f43'],
    ['4706480851e61be85d74bfb3fd956185', '83a2f8a288641fb9a4e9a5cc2f131c7d', 'ee54d13ebcae706d226bc3142cd40d4a'],
    ['28dbc3bc49ffd87dcfa509b11d422be7', 'b41e6be2eba84a148e2eed84593c5ec7', '9b9b7bfcd1813cb95d0b3618f40f5122'],
  ];
  for (const [k, p, c] of vectors) {
    const s = new Seed(fromHex(k));
    assert.equal(hex(s.encryptBlock(fromHex(p))), c);
    assert.equal(hex(s.decryptBlock(fromHex(c))), p);
  }
});

test('SEED-CBC round trip and padding errors', () => {
  const key = u8(randomBytes(16)), iv = u8(randomBytes(16));
  for (const n of [0, 1, 15, 16, 17, 100]) {
    const pt = u8(randomBytes(n));
    assert.deepEqual(seedCbcDecrypt(key, iv, seedCbcEncrypt(key, iv, pt)), pt);
  }
  const ct = seedCbcEncrypt(key, iv, u8(randomBytes(40)));
  ct[ct.length - 1] ^= 1; // corrupts the padding block
  assert.throws(() => seedCbcDecrypt(key, iv, ct), (e) => e instanceof CertError && e.code === 'wrong-password');
  assert.throws(() => seedCbcDecrypt(key, iv, ct.subarray(0, 17)), (e) => e.code === 'malformed');
});

test('SHA-1 and SHA-256 agree with node:crypto at block boundaries', () => {
  for (const n of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000]) {
    const m = u8(randomBytes(n));
    assert.equal(hex(sha1(m)), createHash('sha1').update(m).digest('hex'), `sha1 len ${n}`);
    assert.equal(hex(sha256(m)), createHash('sha256').update(m).digest('hex'), `sha256 len ${n}`);
  }
});

test('DES: FIPS 46 worked example; 3DES-CBC agrees with OpenSSL', () => {
  const o = new Uint8Array(8);
  new Des(fromHex('133457799bbcdff1')).crypt(fromHex('0123456789abcdef'), 0, o, 0, false);
  assert.equal(hex(o), '85e813540f0ab405');
  for (let i = 0; i < 5; i++) {
    const k = randomBytes(24), iv = randomBytes(8), pt = randomBytes(1 + i * 37);
    const c = createCipheriv('des-ede3-cbc', k, iv);
    const ct = Buffer.concat([c.update(pt), c.final()]);
    assert.deepEqual(Buffer.from(cbcDecrypt(new TripleDes(u8(k)), 8, u8(iv), u8(ct))), pt);
  }
});

test('RC2: RFC 2268 §5 vectors', () => {
  assert.equal(new Set(PITABLE).size, 256, 'PITABLE is a permutation');
  for (const [k, bits, p, c] of [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
  ]) {
    const o = new Uint8Array(8);
    new Rc2(fromHex(k), bits).crypt(fromHex(c), 0, o, 0, true);
    assert.equal(hex(o), p, k);
  }
});

test('PBKDF1-SHA1 matches the definition', () => {
  const pw = new TextEncoder().encode('pässword'), salt = fromHex('c8ea2fa25023c285');
  let t = createHash('sha1').update(pw).update(salt).digest();
  for (let i = 1; i < 2048; i++) t = createHash('sha1').update(t).digest();
  assert.equal(hex(pbkdf1(pw, salt, 2048)), t.toString('hex'));
});

test('BMPString password encoding', () => {
  assert.equal(hex(bmp('a한')), '0061d55c0000');
});

test('DER reader: OIDs, integers, times, BER indefinite lengths, bounds', () => {
  assert.equal(oid(parse(fromHex('06082a831a8c9a44010f'))), '1.2.410.200004.1.15');
  // 2.25.<128-bit UUID integer>.1.1: arcs beyond 2^53 must survive.
  const dev = parse(fromHex('06166981abf597bc81a58ab899a4c3ed8487a7bfc75e0101'));
  assert.equal(oid(dev), '2.25.114257444380852795033498566711405700062.1.1');
  assert.equal(int(parse(fromHex('02020800'))), 2048);
  assert.equal(time(parse(fromHex('170d3230303232343135303030305a'))).toISOString(), '2020-02-24T15:00:00.000Z');
  assert.equal(time(parse(fromHex('180f32303530303130313030303030305a'))).toISOString(), '2050-01-01T00:00:00.000Z');
  // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { 'ab', 'c' } }
  const ber = parse(fromHex('3080 2480 0402 6162 0401 63 0000 0000'));
  assert.equal(new TextDecoder().decode(ber.children()[0].octets()), 'abc');
  assert.ok(ber.children()[0].is(Tag.OCTET_STRING));
  for (const bad of ['', '30', '3005020100', '0481', '3080', '30840fffffff00', '02020800ff']) {
    assert.throws(() => parse(fromHex(bad)), (e) => e instanceof CertError && e.code === 'malformed', bad);
  }
});

test('base64 round trip', () => {
  const b = u8(randomBytes(100000));
  assert.deepEqual(fromBase64(toBase64(b)), b);
  assert.equal(toBase64(u8(Buffer.from('TEST_MSG'))), 'VEVTVF9NU0c=');
});
