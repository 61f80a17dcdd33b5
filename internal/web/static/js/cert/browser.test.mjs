// The dialog in a real headless Chromium, driven over the DevTools protocol
// (--remote-debugging-pipe, no npm packages): the demo page lists the
// expired yessign certificate greyed out, counts wrong passwords up to the
// recovery advice, signs the simulated challenge with an OpenSSL key (the
// signature is verified here with node:crypto), remembers and deletes a
// certificate in IndexedDB, cancels, traps focus and speaks English.
//
// Chromium: $GWANMUN_CHROMIUM or chromium on PATH. Without it the test
// skips, except with CI=true, where it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicKey, verify } from 'node:crypto';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ROOT = here('../../../../../');
const TPW = readFileSync(here('testdata/password.txt'), 'utf8');

function findChromium() {
  const c = process.env.GWANMUN_CHROMIUM || 'chromium';
  return spawnSync(c, ['--version']).status === 0 ? c : null;
}

/** serve serves the repository read-only on a free loopback port. */
async function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css' };
  const srv = createServer(async (req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(ROOT)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'Content-Type': types[extname(path)] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

/** Browser is a minimal DevTools protocol client over the pipe. */
class Browser {
  constructor(bin, profile) {
    this.proc = spawn(bin, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`,
      '--remote-debugging-pipe', '--window-size=1200,900', 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    this.id = 0;
    this.waiting = new Map();
    let buf = '';
    this.proc.stdio[4].on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        const w = this.waiting.get(msg.id);
        if (w) { this.waiting.delete(msg.id); msg.error ? w.reject(new Error(msg.error.message)) : w.resolve(msg.result); }
      }
    });
  }

  send(method, params = {}, sessionId) {
    const id = ++this.id;
    this.proc.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  async page(url) {
    const { targetId } = await this.send('Target.createTarget', { url });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const eval_ = async (expression) => {
      const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
      return r.result.value;
    };
    const until = async (expression, ms = 10000) => {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        if (await eval_(expression).catch(() => false)) return;
      }
      throw new Error(`timed out waiting for ${expression}`);
    };
    const key = (k, code = 0) => this.send('Input.dispatchKeyEvent', { type: 'keyDown', key: k, code: k, windowsVirtualKeyCode: code }, sessionId);
    return { eval: eval_, until, key, close: () => this.send('Target.closeTarget', { targetId }) };
  }

  /** close ends Chromium and waits for it to exit. */
  close() {
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill();
    return done;
  }
}

const bin = findChromium();
test('certificate dialog in headless Chromium', { skip: !bin && process.env.CI !== 'true' && 'chromium not installed (set GWANMUN_CHROMIUM)', timeout: 120000 }, async (t) => {
  assert.ok(bin, 'chromium is required in CI (GWANMUN_CHROMIUM)');
  const srv = await serve();
  const profile = await mkdtemp(join(tmpdir(), 'gm-cert-chromium-'));
  const b = new Browser(bin, profile);
  const base = `http://127.0.0.1:${srv.address().port}/internal/web/static/js/cert/demo.html`;
  try {
    const p = await b.page(`${base}?open=1&auto=1`);
    await p.until(`document.body.dataset.ready === '1' && document.querySelectorAll('[data-list] tr').length === 3`);
    const D = `document.getElementById('gm-cert-dialog')`;
    const msg = `${D}.querySelector('[data-msg]').textContent`;

    await t.test('listing', async () => {
      assert.equal(await p.eval(`${D}.open && ${D}.getAttribute('aria-modal')`), 'true');
      const rows = await p.eval(`[...${D}.querySelectorAll('[data-list] tr')].map(r => [r.className, r.cells[0].textContent, r.cells[1].textContent.trim(), r.querySelector('input').disabled, r.cells[3].textContent])`);
      assert.deepEqual(rows[0], ['', '개인', '홍길동 test', false, 'gwanmun dev']);
      assert.match(rows[1][2], /^modern\.p12 \(암호 입력 후 표시\)$/);
      // Expired: greyed, still selectable (to learn why it cannot be used);
      // the name shown, the whole CN on hover.
      assert.deepEqual(rows[2], ['gm-cert--expired', '개인', 'HKD(KILDONG.HONG)', false, 'yessign']);
      assert.equal(await p.eval(`${D}.querySelector('tr.gm-cert--expired [title]').title`), 'HKD(KILDONG.HONG)009104120200225191000030');
      assert.match(await p.eval(`${D}.querySelector('tr.gm-cert--expired').cells[2].textContent`), /^2020-03-25 만료$/);
      // Readable although greyed: WCAG AA contrast for the row and its badge.
      const contrast = await p.eval(`(() => {
        const rgb = (s) => s.match(/\\d+/g).slice(0, 3).map(Number);
        const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
        const td = ${D}.querySelector('tr.gm-cert--expired td'), badge = ${D}.querySelector('tr.gm-cert--expired .gm-cert__badge');
        return [ratio(getComputedStyle(td).color, getComputedStyle(td).backgroundColor), ratio(getComputedStyle(badge).color, getComputedStyle(badge).backgroundColor)];
      })()`);
      assert.ok(contrast[0] >= 4.5 && contrast[1] >= 4.5, `contrast ${contrast}`);
      assert.equal(await p.eval(`${D}.querySelectorAll('[role=tab][aria-disabled=true]').length`), 3);
    });

    await t.test('choosing the expired certificate says why, with its date', async () => {
      await p.eval(`${D}.querySelector('tr.gm-cert--expired td').click()`);
      await p.until(`${msg}.includes('2020-03-25')`);
      assert.match(await p.eval(msg), /HKD\(KILDONG\.HONG\)님의 인증서는 2020-03-25에 만료되어 사용할 수 없습니다\..*갱신.*인증서 재등록/);
      await p.eval(`${D}.querySelector('#gm-cert-password').value = 'x'; ${D}.querySelector('[data-act=ok]').click()`);
      await p.until(`${msg}.includes('2020-03-25')`);
      assert.equal(await p.eval(`${D}.querySelector('#gm-cert-password').getAttribute('aria-invalid')`), 'true');
      await p.eval(`${D}.querySelector('[data-list] tr').cells[0].click()`); // back to the valid one
      await p.until(`${msg} === ''`);
    });

    await t.test('view certificate', async () => {
      await p.eval(`${D}.querySelector('[data-act=view]').click()`);
      const dl = await p.eval(`${D}.querySelector('[data-details]').textContent`);
      assert.match(dl, /2\.25\.114257444380852795033498566711405700062\.1\.1 \(개인\)/);
      assert.match(dl, /digitalSignature, nonRepudiation/);
    });

    await t.test('focus stays in the dialog', async () => {
      await p.eval(`${D}.querySelector('.gm-cert__foot [data-act=cancel]').focus()`);
      await p.key('Tab', 9);
      assert.equal(await p.eval(`${D}.contains(document.activeElement) && document.activeElement !== ${D}.querySelector('.gm-cert__foot [data-act=cancel]')`), true);
    });

    await t.test('wrong passwords, then recovery advice', async () => {
      for (let i = 1; i <= 5; i++) {
        await p.eval(`${D}.querySelector('#gm-cert-password').value = 'wrong${i}'; ${D}.querySelector('[data-act=ok]').click()`);
        await p.until(`${msg}.includes('(${i}/5)') || ${msg}.includes('5회')`);
        assert.equal(await p.eval(`document.activeElement.id`), 'gm-cert-password');
        assert.equal(await p.eval(`${D}.querySelector('#gm-cert-password').value`), '');
      }
      assert.match(await p.eval(msg), /재발급/);
    });

    await t.test('sign the challenge and remember', async () => {
      await p.eval(`${D}.querySelector('#gm-cert-password').value = ${JSON.stringify(TPW)}; ${D}.querySelector('[data-input=remember]').checked = true; ${D}.querySelector('[data-act=ok]').click()`);
      const r = await p.eval(`window.demo.result.then(r => ({ ...r, message: window.lastChallenge.message }))`);
      assert.equal(r.certificate, readFileSync(here('testdata/cert.der')).toString('base64'));
      assert.ok(verify('sha256', Buffer.from(r.message), createPublicKey(readFileSync(here('testdata/cert.pem'))), Buffer.from(r.signature, 'base64')));
      assert.match(r.message, new RegExp(`^gwanmun-auth-v1\npurpose:login\norigin:http://127\\.0\\.0\\.1:\\d+\nnonce:${r.nonce}$`));
      assert.equal(r.info.class, 'personal');
      assert.equal(await p.eval(`${D}.open`), false);
      assert.equal(await p.eval(`${D}.querySelector('#gm-cert-password').value`), '');
    });
    await p.close();

    await t.test('remembered on this device; delete; cancel', async () => {
      const q = await b.page(`${base}?open=1`);
      await q.until(`document.body.dataset.ready === '1' && document.querySelectorAll('[data-list] tr').length === 1`);
      assert.equal(await q.eval(`${D}.querySelector('[data-list] tr').cells[1].textContent.trim()`), '홍길동 test');
      await q.eval(`${D}.querySelector('[data-act=remove]').click()`);
      await q.until(`document.querySelectorAll('[data-list] tr').length === 0`);
      assert.match(await q.eval(`${D}.querySelector('[data-status]').textContent`), /삭제했습니다/);
      await q.eval(`${D}.querySelector('.gm-cert__foot [data-act=cancel]').click()`);
      assert.equal(await q.eval(`window.demo.result.then(() => 'resolved', e => e.name)`), 'AbortError');
      await q.close();
      const r = await b.page(`${base}?open=1`);
      await r.until(`document.body.dataset.ready === '1'`);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(await r.eval(`document.querySelectorAll('[data-list] tr').length`), 0, 'deleted from IndexedDB');
      await r.close();
    });

    await t.test('a data-cert-dialog button opens it; focus returns on cancel', async () => {
      const f = await b.page(base);
      await f.until(`document.body.dataset.ready === '1'`);
      await f.eval(`document.querySelector('[data-cert-purpose=signup]').focus(); document.querySelector('[data-cert-purpose=signup]').click()`);
      await f.until(`${D}.open && ${D}.contains(document.activeElement)`);
      await f.key('Escape', 27);
      await f.until(`!${D}.open`);
      assert.equal(await f.eval(`document.activeElement.dataset.certPurpose`), 'signup');
      await f.close();
    });

    await t.test('English', async () => {
      const e = await b.page(`${base}?open=1&lang=en`);
      await e.until(`document.body.dataset.ready === '1'`);
      assert.equal(await e.eval(`${D}.querySelector('#gm-cert-title').textContent`), 'Certificate input (digital signature)');
      assert.equal(await e.eval(`${D}.querySelector('[data-act=ok]').textContent`), 'OK');
      await e.close();
    });
  } finally {
    await b.close();
    srv.close();
    // Chromium's helper processes can still write to the profile for a
    // moment after the browser exits: retry on ENOTEMPTY and the like.
    await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
});
