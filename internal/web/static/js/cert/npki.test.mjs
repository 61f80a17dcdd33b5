// End-to-end tests of the in-page crypto on real files: the yessign test
// certificate (signPri.key and cert.p12) and keys made by OpenSSL
// (testdata/make.sh): PBES2 with SEED and AES, modern and legacy PKCS#12,
// and an old-style 1.2.410.200004.1.4 key built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, createPrivateKey, verify as nodeVerify, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { npkiEntry, p12Entry, unlock, signWith, describe, displayName } from './certs.js';
import { decryptPrivateKey, pbkdf1, utf8 } from './pbe.js';
import { parsePrivateKeyInfo } from './key.js';
import { seedCbcEncrypt } from './seed.js';
import { parseCertificate, serialDecimal } from './x509.js';
import { hex, tlv, concat, fromHex, toBase64 } from './asn1.js';
import { challengeBytes } from './message.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// The fixture is kept in the repository (internal/pki/testdata) and in the shared folder.
const FIX = [here('../../../../pki/testdata/keys/yessign/'), '/work/shared/fixtures/npki-yessign-test/'].find((d) => existsSync(d + 'signPri.key'));
const PW = 'WTuA8Ev0lWXVFSiI!';
const R = '7858b4328390805129f01c97fe6ca4a520cbd479';
const fix = (n) => new Uint8Array(readFileSync(FIX + n));
const td = (n) => new Uint8Array(readFileSync(here('testdata/' + n)));
const TPW = readFileSync(here('testdata/password.txt'), 'utf8');
const isWrongPassword = (e) => e.code === 'wrong-password';

test('yessign fixture present', () => assert.ok(FIX, 'yessign fixture not found'));

test('displayName: the name part of an NPKI CN', () => {
  assert.equal(displayName('홍길동()0020261207123456789012'), '홍길동');
  assert.equal(displayName('HKD(KILDONG.HONG)009104120200225191000030'), 'HKD(KILDONG.HONG)');
  assert.equal(displayName('홍길동 test'), '홍길동 test');
  assert.equal(displayName(''), '');
});

test('yessign certificate: fields, class, expired', () => {
  const e = npkiEntry(fix('signCert.der'), fix('signPri.key'), 'NPKI/yessign/USER/cn=HKD');
  const c = e.cert;
  assert.equal(c.subject.get('CN'), 'HKD(KILDONG.HONG)009104120200225191000030');
  assert.equal(c.issuer.get('O'), 'yessign');
  assert.equal(c.issuer.get('CN'), 'yessignCA-Test Class 4');
  assert.equal(serialDecimal(c.serial), '4562037');
  assert.equal(c.notBefore.toISOString(), '2020-02-24T15:00:00.000Z');
  assert.equal(c.notAfter.toISOString(), '2020-03-25T14:59:59.000Z');
  assert.equal(c.policy, '1.2.410.200005.1.1.4');
  assert.deepEqual(c.keyUsage, ['digitalSignature', 'nonRepudiation']);
  const d = describe(e, new Date('2026-01-01'));
  assert.deepEqual([d.cls, d.user, d.cn, d.issuer, d.expired, d.notYetValid, d.unusable, d.expiringSoon],
    ['personal', 'HKD(KILDONG.HONG)', 'HKD(KILDONG.HONG)009104120200225191000030', 'yessign', true, false, true, false]);
  const soon = describe(e, new Date('2020-03-10T00:00:00Z'));
  assert.deepEqual([soon.expired, soon.unusable, soon.expiringSoon], [false, false, true]);
  const early = describe(e, new Date('2020-02-24T14:00:00Z'));
  assert.deepEqual([early.expired, early.notYetValid, early.unusable, early.expiringSoon], [false, true, true, false],
    'not yet valid: unusable, but not expired');
});

test('yessign signPri.key: R value and the published TEST_MSG signature', async () => {
  const key = parsePrivateKeyInfo(await decryptPrivateKey(fix('signPri.key'), PW));
  assert.equal(hex(key.random), R);
  // The minimal PKCS#8 has no attributes: R is never in what WebCrypto gets.
  assert.ok(!hex(key.pkcs8).includes(R));
  const u = await unlock(npkiEntry(fix('signCert.der'), fix('signPri.key')), PW);
  assert.equal(hex(u.random), R);
  const sig = await signWith(u, new TextEncoder().encode('TEST_MSG'));
  assert.equal(hex(sig), hex(fix('TEST_MSG.sig')));
  assert.equal(u.signingKey.extractable, false);
});

test('yessign cert.p12 (SHA-1 MAC, 3DES key bag)', async () => {
  const e = await p12Entry(fix('cert.p12'), 'cert.p12');
  assert.equal(e.cert.subject.get('CN'), 'HKD(KILDONG.HONG)009104120200225191000030', 'certificate listed before the password');
  assert.equal(e.id, npkiEntry(fix('signCert.der'), fix('signPri.key')).id, 'same id as the NPKI pair');
  const u = await unlock(e, PW);
  assert.equal(hex(u.random), R);
  assert.equal(hex(await signWith(u, new TextEncoder().encode('TEST_MSG'))), hex(fix('TEST_MSG.sig')));
});

test('wrong passwords are reported as such', async () => {
  const pair = npkiEntry(fix('signCert.der'), fix('signPri.key'));
  for (const pw of ['', 'wtua8ev0lwxvfsiI!', PW + ' ', '0000']) {
    await assert.rejects(unlock(pair, pw), isWrongPassword, JSON.stringify(pw));
  }
  await assert.rejects(unlock(await p12Entry(fix('cert.p12')), 'nope'), isWrongPassword);
  await assert.rejects(unlock(await p12Entry(td('modern.p12')), 'nope'), isWrongPassword);
  await assert.rejects(unlock(npkiEntry(td('cert.der'), td('pbes2-aes.key')), 'nope'), isWrongPassword);
  await assert.rejects(unlock(npkiEntry(td('cert.der'), td('pbes2-seed.key')), 'nope'), isWrongPassword);
});

test('a key of another certificate is refused', async () => {
  await assert.rejects(unlock(npkiEntry(fix('signCert.der'), td('pbes2-aes.key')), TPW), (e) => e.code === 'key-mismatch');
});

const certPub = () => createPublicKey(readFileSync(here('testdata/cert.pem')));

for (const [name, make] of [
  ['PBES2 PBKDF2-HMAC-SHA1 SEED-CBC (openssl -v2 seed-cbc)', () => npkiEntry(td('cert.der'), td('pbes2-seed.key'))],
  ['PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC (openssl -v2 aes-256-cbc)', () => npkiEntry(td('cert.der'), td('pbes2-aes.key'))],
  ['modern PKCS#12 (OpenSSL 3 default: AES-256, SHA-256 MAC)', () => p12Entry(td('modern.p12'), 'modern.p12')],
  ['legacy PKCS#12 (3DES, SHA-1 MAC)', () => p12Entry(td('legacy.p12'), 'legacy.p12')],
  ['-legacy PKCS#12 (RC2-40 cert bag, 3DES key bag)', () => p12Entry(td('rc2.p12'), 'rc2.p12')],
]) {
  test(`OpenSSL ${name}: unlocks, signs like OpenSSL`, async () => {
    const e = await make();
    const u = await unlock(e, TPW);
    assert.equal(u.cert.subject.get('CN'), '홍길동 test');
    assert.equal(u.random, null, 'OpenSSL keys have no R');
    const msg = td('message.txt');
    const sig = await signWith(u, msg);
    assert.equal(hex(sig), hex(td('message.sig')));
    assert.ok(nodeVerify('sha256', msg, certPub(), sig));
  });
}

test('modern PKCS#12 lists as locked until the password is given', async () => {
  const e = await p12Entry(td('modern.p12'), 'modern.p12');
  assert.equal(e.cert, null);
  assert.equal(describe(e).locked, true);
  assert.equal(describe(e).user, 'modern.p12');
});

test('development CA policy is personal', () => {
  const c = parseCertificate(td('cert.der'));
  assert.equal(c.policy, '2.25.114257444380852795033498566711405700062.1.1');
  assert.equal(describe({ cert: c }).cls, 'personal');
});

test('old-style signPri.key (1.2.410.200004.1.4 top level, IV "0123456789012345")', async () => {
  const pkcs8 = createPrivateKey(readFileSync(here('testdata/rsa.pem'))).export({ format: 'der', type: 'pkcs8' });
  const salt = new Uint8Array(randomBytes(8));
  const dk = pbkdf1(utf8(TPW), salt, 2048);
  const ct = seedCbcEncrypt(dk.subarray(0, 16), utf8('0123456789012345'), new Uint8Array(pkcs8));
  const params = tlv(0x30, concat([tlv(0x04, salt), fromHex('02020800')]));
  const alg = tlv(0x30, concat([fromHex('06082a831a8c9a4401 04'.replace(' ', '')), params]));
  const epki = tlv(0x30, concat([alg, tlv(0x04, ct)]));
  const u = await unlock(npkiEntry(td('cert.der'), epki), TPW);
  assert.equal(hex(await signWith(u, td('message.txt'))), hex(td('message.sig')));
  await assert.rejects(unlock(npkiEntry(td('cert.der'), epki), 'x'), isWrongPassword);
});

test('challenge message bytes (docs/auth-protocol.md)', () => {
  assert.equal(new TextDecoder().decode(challengeBytes('login', 'http://127.0.0.1:8080', 'abc_-')),
    'gwanmun-auth-v1\npurpose:login\norigin:http://127.0.0.1:8080\nnonce:abc_-');
  assert.deepEqual(challengeBytes('login', 'https://portal.example', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), td('message.txt'));
});

test('sign-cli.mjs prints the signature Go tests will verify', () => {
  const cli = here('testdata/sign-cli.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'sign-cli-'));
  try {
    writeFileSync(join(dir, 'pw'), PW + '\n');
    writeFileSync(join(dir, 'bad'), 'wrong');
    writeFileSync(join(dir, 'msg'), 'TEST_MSG');
    const out = execFileSync(process.execPath, [cli, '--key', FIX + 'signPri.key', '--cert', FIX + 'signCert.der',
      '--password-file', join(dir, 'pw'), '--message-file', join(dir, 'msg')]).toString();
    assert.equal(out, toBase64(fix('TEST_MSG.sig')) + '\n');
    const p12 = execFileSync(process.execPath, [cli, '--p12', here('testdata/modern.p12'), '--password-file', here('testdata/password.txt'),
      '--message-file', here('testdata/message.txt')]).toString();
    assert.equal(p12, toBase64(td('message.sig')) + '\n');
    const bad = spawnSync(process.execPath, [cli, '--p12', here('testdata/modern.p12'), '--password-file', join(dir, 'bad'),
      '--message-file', here('testdata/message.txt')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr.toString(), /wrong-password/);
    assert.equal(bad.stdout.length, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
  assert.equal(spawnSync(process.execPath, [cli]).status, 2);
});

test('speed: decrypt + sign under 500 ms (SEED/PBKDF1 and 3DES p12)', async () => {
  for (const [name, make] of [['signPri.key', async () => npkiEntry(fix('signCert.der'), fix('signPri.key'))], ['cert.p12', () => p12Entry(fix('cert.p12'))]]) {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await signWith(await unlock(await make(), PW), challengeBytes('login', 'https://x', 'n'));
      times.push(performance.now() - t0);
    }
    console.log(`# ${name}: decrypt + sign ${times.map((t) => t.toFixed(1)).join(' / ')} ms (cold / warm / warm)`);
    assert.ok(Math.min(...times) < 500, `${name} took ${times} ms`);
  }
});
