// Demo and browser self-test page for the certificate dialog. It inserts the
// "cert_dialog" template (without Go), simulates POST /auth/challenge, and
// with ?auto=1 drops test certificates into the dialog.
import { challengeMessage } from './message.js';
import { toBase64 } from './asn1.js';

const q = new URLSearchParams(location.search);
if (q.get('lang') === 'en') document.documentElement.lang = 'en';
const at = (p) => new URL(p, import.meta.url);

// The partial, its {{...}} actions removed and its /static/ paths pointed here.
const tpl = await (await fetch(at('../../../templates/partials/cert_dialog.html'))).text();
document.getElementById('dialog-slot').innerHTML = tpl
  .replace(/\{\{\/\*[\s\S]*?\*\/\}\}/g, '').replace(/\{\{[^}]*\}\}/g, '')
  .replaceAll('"/static/', `"${at('../../').pathname}`);

// Simulated challenge endpoint.
const realFetch = window.fetch.bind(window);
window.fetch = async (url, init) => {
  if (String(url).endsWith('/auth/challenge')) {
    const { purpose } = JSON.parse(init.body);
    const nonce = toBase64(crypto.getRandomValues(new Uint8Array(32))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const body = { nonce, purpose, origin: location.origin, message: challengeMessage(purpose, location.origin, nonce), expiresAt: new Date(Date.now() + 3e5).toISOString() };
    window.lastChallenge = body;
    return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
  }
  return realFetch(url, init);
};

const { openCertDialog, bindCertButtons } = await import('./dialog.js');
bindCertButtons();
document.addEventListener('gm-cert-signed', (e) => {
  e.preventDefault();
  document.getElementById('result').textContent = JSON.stringify(e.detail, null, 2);
});

/** dropFiles drops files on the dialog as a user would. */
export async function dropFiles(paths) {
  const dt = new DataTransfer();
  for (const p of paths) {
    const blob = await (await realFetch(at(p))).blob();
    dt.items.add(new File([blob], p.split('/').pop()));
  }
  document.getElementById('gm-cert-dialog').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
}

window.demo = { openCertDialog, dropFiles };
if (q.get('open') === '1') {
  window.demo.result = openCertDialog({ purpose: 'login' }).then(
    (r) => { document.getElementById('result').textContent = JSON.stringify(r, null, 2); return r; },
    (e) => { document.getElementById('result').textContent = `rejected: ${e.name}`; throw e; });
  if (q.get('auto') === '1') {
    await dropFiles(['../../../../pki/testdata/keys/yessign/signCert.der', '../../../../pki/testdata/keys/yessign/signPri.key']);
    await dropFiles(['testdata/modern.p12']);
    await dropFiles(['testdata/cert.der', 'testdata/pbes2-seed.key']);
  }
}
document.body.dataset.ready = '1';
