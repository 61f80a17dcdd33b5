// Certificate discovery: NPKI folder trees, loose files, p12 files, bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findEntries, fromFileList, MAX_FILE_SIZE } from './files.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FIX = [here('../../../../pki/testdata/keys/yessign/'), '/work/shared/fixtures/npki-yessign-test/'].find((d) => existsSync(d + 'signPri.key'));
const bytes = (p) => new Uint8Array(readFileSync(p));
const found = (path, name, data) => ({ path, name, size: data.length, read: async () => data });

test('an NPKI tree, a p12 and junk', async () => {
  const cert = bytes(FIX + 'signCert.der'), key = bytes(FIX + 'signPri.key');
  const t0 = performance.now();
  const { entries, errors } = await findEntries([
    found('NPKI/yessign/USER/cn=HKD', 'signCert.der', cert),
    found('NPKI/yessign/USER/cn=HKD', 'signPri.key', key),
    found('NPKI/yessign/USER/cn=HKD', 'kmCert.der', cert),
    found('NPKI/yessign/USER/cn=HKD', 'kmPri.key', key),
    found('NPKI/yessign/USER/cn=Broken', 'SignCert.der', new Uint8Array([0x30, 0x03, 1, 2, 3])),
    found('NPKI/yessign/USER/cn=Broken', 'SignPri.key', key),
    found('backup', 'me.p12', bytes(here('testdata/modern.p12'))),
    found('backup', 'huge.pfx', { length: MAX_FILE_SIZE + 1 }),
  ]);
  const ms = performance.now() - t0;
  assert.deepEqual(entries.map((e) => [e.kind, e.source]), [['npki', 'NPKI/yessign/USER/cn=HKD'], ['p12', 'backup/me.p12']]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].error.code, 'malformed');
  console.log(`# listing: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 100, `listing took ${ms} ms`);
});

test('loose files with other names; duplicates listed once', async () => {
  const cert = bytes(FIX + 'signCert.der'), key = bytes(FIX + 'signPri.key');
  const { entries } = await findEntries([
    found('', 'my-cert.der', cert), found('', 'my-key.key', key),
    found('copy', 'signCert.der', cert), found('copy', 'signPri.key', key),
    found('', 'cert.p12', bytes(FIX + 'cert.p12')),
  ]);
  assert.equal(entries.length, 1, 'the same certificate three times');
});

test('fromFileList keeps folder paths', async () => {
  const f = { name: 'signCert.der', webkitRelativePath: 'NPKI/yessign/USER/cn=x/signCert.der', size: 3, arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer };
  const [x] = fromFileList([f]);
  assert.equal(x.path, 'NPKI/yessign/USER/cn=x');
  assert.deepEqual(await x.read(), new Uint8Array([1, 2, 3]));
});
