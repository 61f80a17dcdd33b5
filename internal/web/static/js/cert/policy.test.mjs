// The JavaScript policy table must agree with internal/pki/policy.go, the
// table the server decides by: same OIDs, same personal/institution class.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { POLICIES, classify } from './policy.js';

const goFile = fileURLToPath(new URL('../../../../pki/policy.go', import.meta.url));

test('policy table matches internal/pki/policy.go', () => {
  if (!existsSync(goFile)) {
    if (process.env.CI === 'true') assert.fail(`${goFile} missing`);
    return; // the Go package is built by another part of the project
  }
  const go = readFileSync(goFile, 'utf8');
  const want = {};
  for (const m of go.matchAll(/\{"([\d.]+)", "[^"]*", "[^"]*", domain\.Cert(Personal|Institution),/g)) {
    want[m[1]] = m[2].toLowerCase();
  }
  if (/OIDDevPersonal, [^\n]*domain\.CertPersonal/.test(go)) want['2.25.114257444380852795033498566711405700062.1.1'] = 'personal';
  if (/OIDDevInstitution, [^\n]*domain\.CertInstitution/.test(go)) want['2.25.114257444380852795033498566711405700062.1.2'] = 'institution';
  assert.ok(Object.keys(want).length > 60, 'parsed the Go table');
  assert.deepEqual({ ...POLICIES }, want);
});

test('classify', () => {
  assert.equal(classify('1.2.410.200005.1.1.4'), 'personal');
  assert.equal(classify('1.2.410.200005.1.1.5'), 'institution');
  assert.equal(classify('2.25.114257444380852795033498566711405700062.1.2'), 'institution');
  assert.equal(classify('1.2.3'), 'unknown');
  assert.equal(classify(''), 'unknown');
  assert.equal(classify('toString'), 'unknown');
});
