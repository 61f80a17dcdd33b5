// Fuzzing of every parser of outside bytes (DER reader, certificates, key
// files, PKCS#12, discovery): mutations of real files and random bytes must
// give a CertError or a result, never another exception or a hang.
// FUZZ_ITERATIONS (default 300 per target) makes longer runs; FUZZ_SEED
// repeats one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from './asn1.js';
import { parseCertificate } from './x509.js';
import { decryptPrivateKey } from './pbe.js';
import { parsePrivateKeyInfo } from './key.js';
import { readPFX } from './pkcs12.js';
import { npkiEntry, p12Entry, unlock } from './certs.js';
import { CertError } from './errors.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FIX = [here('../../../../pki/testdata/keys/yessign/'), '/work/shared/fixtures/npki-yessign-test/'].find((d) => existsSync(d + 'signPri.key'));
const N = Number(process.env.FUZZ_ITERATIONS || 300);
let seed = Number(process.env.FUZZ_SEED || Date.now() % 1e9);
console.log(`# FUZZ_SEED=${seed}`);
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const ri = (n) => Math.floor(rnd() * n);

const corpus = [
  FIX + 'signCert.der', FIX + 'signPri.key', FIX + 'cert.p12', here('testdata/modern.p12'), here('testdata/legacy.p12'), here('testdata/rc2.p12'),
  here('testdata/pbes2-seed.key'), here('testdata/pbes2-aes.key'), here('testdata/cert.der'),
].map((p) => new Uint8Array(readFileSync(p)));

function mutate(b) {
  const o = Uint8Array.from(b);
  switch (ri(5)) {
    case 0: for (let i = 0, n = 1 + ri(8); i < n; i++) o[ri(o.length)] = ri(256); return o;
    case 1: return o.subarray(0, ri(o.length));
    case 2: { const p = ri(o.length); o[p] = [0x80, 0x81, 0x84, 0xff, 0x00][ri(5)]; return o; }
    case 3: return Uint8Array.from({ length: ri(64) }, () => ri(256));
    default: { const p = ri(o.length); return Uint8Array.from([...o.subarray(0, p), ...o.subarray(p + 1 + ri(4))]); }
  }
}

async function fuzz(name, fn) {
  for (let i = 0; i < N; i++) {
    const input = mutate(corpus[ri(corpus.length)]);
    try {
      await fn(input);
    } catch (e) {
      if (!(e instanceof CertError)) {
        assert.fail(`${name}: ${e && e.stack}\ninput: ${Buffer.from(input).toString('hex')}`);
      }
    }
  }
}

const PW = 'WTuA8Ev0lWXVFSiI!';
test('FuzzParse', () => fuzz('parse', (b) => { const n = parse(b, true); if (n.cons) n.children(); }));
test('FuzzCertificate', () => fuzz('parseCertificate', (b) => parseCertificate(b)));
test('FuzzPrivateKeyInfo', () => fuzz('parsePrivateKeyInfo', (b) => parsePrivateKeyInfo(b)));
test('FuzzKeyFile', () => fuzz('decryptPrivateKey', (b) => decryptPrivateKey(b, PW)));
test('FuzzPFX', () => fuzz('readPFX', async (b) => { await readPFX(b, null); await readPFX(b, PW); }));
test('FuzzUnlock', () => fuzz('unlock', async (b) => {
  await unlock(npkiEntry(corpus[0], b), PW);
  await unlock(await p12Entry(b), PW);
}));
