#!/usr/bin/env node
// sign-cli signs a message with an NPKI key the way the certificate dialog
// does, so Go tests can verify a JavaScript signature:
//
//   node sign-cli.mjs --key signPri.key --cert signCert.der --password-file F --message-file M
//   node sign-cli.mjs --p12 cert.p12 --password-file F --message-file M
//
// It prints the base64 (standard) RSA PKCS#1 v1.5 SHA-256 signature and a
// newline. One trailing "\n" or "\r\n" of the password file is removed.
// Exit status: 0 ok, 1 failure (message on stderr, with the CertError code),
// 2 usage. Never prints the password or key.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { npkiEntry, p12Entry, unlock, signWith } from '../certs.js';
import { toBase64 } from '../asn1.js';

const usage = 'usage: sign-cli.mjs (--key signPri.key --cert signCert.der | --p12 file.p12) --password-file F --message-file M';
let values;
try {
  ({ values } = parseArgs({
    options: {
      key: { type: 'string' }, cert: { type: 'string' }, p12: { type: 'string' },
      'password-file': { type: 'string' }, 'message-file': { type: 'string' },
    },
  }));
} catch (e) {
  console.error(`${e.message}\n${usage}`);
  process.exit(2);
}
const npki = values.key && values.cert && !values.p12;
if ((!npki && !values.p12) || !values['password-file'] || !values['message-file']) {
  console.error(usage);
  process.exit(2);
}
try {
  const read = (f) => new Uint8Array(readFileSync(f));
  const password = readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
  const entry = npki ? npkiEntry(read(values.cert), read(values.key), values.cert) : await p12Entry(read(values.p12), values.p12);
  const sig = await signWith(await unlock(entry, password), read(values['message-file']));
  process.stdout.write(toBase64(sig) + '\n');
} catch (e) {
  console.error(`sign-cli: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exit(1);
}
