// The certificate dialog "인증서 입력 (전자서명)" (manual §1.4): choose a
// certificate from a folder, files or this device, enter its password, and
// sign the server's challenge (docs/auth-protocol.md) in the page. The
// markup is the "cert_dialog" template (templates/partials/cert_dialog.html).
//
//   import { openCertDialog } from '/static/js/cert/dialog.js';
//   const { nonce, certificate, signature, info } =
//     await openCertDialog({ purpose: 'login', challengeURL: '/auth/challenge', csrfToken });
//
// Buttons with data-cert-dialog open it without any page script; see
// bindCertButtons and docs/cert-dialog.md.

import { toBase64 } from './asn1.js';
import { Code } from './errors.js';
import { describe, unlock, signWith, npkiEntry, p12Entry } from './certs.js';
import { findEntries, fromFileList, fromDirectoryHandle, fromDataTransfer } from './files.js';
import { challengeMessage, challengeBytes } from './message.js';
import { serialDecimal } from './x509.js';
import { remember, remembered, forget } from './store.js';
import { lang as pageLang, t } from './i18n.js';

/** The number of wrong passwords after which the dialog explains recovery. */
export const MAX_TRIES = 5;

const DISABLED_LOCATIONS = ['storageToken', 'securityToken', 'phone'];

/** abortError is the rejection of a cancelled dialog. */
function abortError() {
  return new DOMException('certificate dialog cancelled', 'AbortError');
}

const pad2 = (n) => String(n).padStart(2, '0');
/** ymd formats a date as YYYY-MM-DD in local time. */
export const ymd = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;

/** fetchChallenge asks the server for a challenge and checks it (docs/auth-protocol.md). */
export async function fetchChallenge(challengeURL, purpose, csrfToken, origin = location.origin) {
  const res = await fetch(challengeURL, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken || '', Accept: 'application/json' },
    body: JSON.stringify({ purpose }),
  });
  if (!res.ok) throw Object.assign(new Error(`challenge: HTTP ${res.status}`), { kind: 'network' });
  const ch = await res.json();
  if (!ch || typeof ch.nonce !== 'string' || !ch.nonce || ch.purpose !== purpose || ch.origin !== origin ||
      ch.message !== challengeMessage(purpose, origin, ch.nonce)) {
    throw Object.assign(new Error('challenge does not match the protocol'), { kind: 'badChallenge' });
  }
  return ch;
}

/** Dialog drives one <dialog id="gm-cert-dialog"> element. */
class Dialog {
  constructor(el) {
    this.el = el;
    this.q = (s) => el.querySelector(s);
    this.entries = new Map(); // id → Entry
    this.rememberedIds = new Set();
    this.tries = new Map(); // id → wrong passwords
    this.busy = false;
    el.addEventListener('click', (e) => this.onClick(e));
    el.addEventListener('keydown', (e) => this.onKey(e));
    el.addEventListener('cancel', (e) => { e.preventDefault(); this.finish(null, abortError()); });
    el.addEventListener('change', (e) => this.onChange(e));
    el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('gm-cert--drag'); });
    el.addEventListener('dragleave', () => el.classList.remove('gm-cert--drag'));
    el.addEventListener('drop', (e) => {
      e.preventDefault();
      el.classList.remove('gm-cert--drag');
      this.add(fromDataTransfer(e.dataTransfer));
    });
    const pw = this.q('#gm-cert-password');
    const caps = (e) => { this.q('[data-caps]').hidden = !(e.getModifierState && e.getModifierState('CapsLock')); };
    pw.addEventListener('keydown', caps);
    pw.addEventListener('keyup', caps);
    pw.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); this.ok(); } });
  }

  /** tr translates into the page language. */
  tr(key, ...a) { return t(this.lang, key, ...a); }

  applyLanguage() {
    this.lang = pageLang();
    for (const n of this.el.querySelectorAll('[data-t]')) n.textContent = this.tr(n.dataset.t);
    for (const n of this.el.querySelectorAll('[data-t-label]')) n.setAttribute('aria-label', this.tr(n.dataset.tLabel));
    this.setLocation(this.loc || 'hdd');
  }

  async open(opts) {
    this.opts = opts;
    this.returnFocus = document.activeElement;
    this.applyLanguage();
    this.say('');
    this.q('#gm-cert-password').value = '';
    this.q('[data-input="remember"]').checked = false;
    this.q('#gm-cert-details').hidden = true;
    if (!globalThis.crypto || !crypto.subtle) this.say(this.tr('insecure'));
    const done = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    this.el.showModal();
    await this.loadRemembered();
    this.render();
    const first = this.el.querySelector('tr:not(.gm-cert--expired) input[name="gm-cert-pick"]');
    (first || this.el.querySelector('input[name="gm-cert-pick"]') || this.q('[data-act="find"]')).focus();
    if (first) { first.checked = true; this.selected = first.value; }
    return done;
  }

  async loadRemembered() {
    for (const r of await remembered()) {
      try {
        const e = r.kind === 'npki' ? npkiEntry(r.certDER, r.keyFile, r.source) : await p12Entry(r.p12, r.source);
        e.id = r.id;
        this.entries.set(e.id, e);
        this.rememberedIds.add(e.id);
      } catch { /* a record this version cannot read: leave it */ }
    }
  }

  finish(value, error) {
    if (!this.resolve) return;
    const [res, rej] = [this.resolve, this.reject];
    this.resolve = this.reject = null;
    this.q('#gm-cert-password').value = '';
    this.el.close();
    if (this.returnFocus && this.returnFocus.focus) this.returnFocus.focus();
    if (error) rej(error); else res(value);
  }

  /** say shows (and announces) a message; status messages use the polite region. */
  say(text, polite = false) {
    const msg = this.q('[data-msg]');
    if (polite) {
      this.q('[data-status]').textContent = text;
      msg.textContent = '';
    } else {
      this.q('[data-status]').textContent = '';
      // The alert sits above the footer, outside the scrolling body, so it
      // is in view at every size; emptied first so a repeat is announced.
      msg.textContent = '';
      const seq = (this.msgSeq = (this.msgSeq || 0) + 1);
      if (text) setTimeout(() => { if (this.msgSeq === seq) msg.textContent = text; }, 30);
    }
    if (polite) this.msgSeq = (this.msgSeq || 0) + 1;
    const pw = this.q('#gm-cert-password');
    if (!polite && text) pw.setAttribute('aria-invalid', 'true');
    else pw.removeAttribute('aria-invalid');
  }

  setLocation(loc) {
    this.loc = loc;
    for (const tab of this.el.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.loc === loc;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    const panel = this.q('#gm-cert-loc-panel');
    panel.setAttribute('aria-labelledby', `gm-cert-tab-${loc}`);
    const disabled = DISABLED_LOCATIONS.includes(loc);
    this.q('[data-hint]').textContent = disabled ? this.tr('soonLong', this.tr(loc)) : this.tr(loc === 'hdd' ? 'hddHint' : 'removableHint');
    this.q('.gm-cert__pick').hidden = disabled;
  }

  onKey(e) {
    if (e.key === 'Tab') {
      // Keep focus inside the dialog (showModal makes the page inert; this
      // also wraps around instead of leaving for the browser's toolbar).
      const f = Array.from(this.el.querySelectorAll('button, input, [tabindex]:not([tabindex="-1"])'))
        .filter((n) => !n.disabled && n.tabIndex >= 0 && !n.hidden && n.offsetParent !== null);
      if (!f.length) return;
      const i = f.indexOf(document.activeElement);
      if (e.shiftKey && i <= 0) { e.preventDefault(); f[f.length - 1].focus(); }
      else if (!e.shiftKey && i === f.length - 1) { e.preventDefault(); f[0].focus(); }
    } else if (e.target.getAttribute('role') === 'tab' && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) {
      e.preventDefault();
      const tabs = Array.from(this.el.querySelectorAll('[role="tab"]'));
      let i = tabs.indexOf(e.target);
      i = e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : (i + (e.key === 'ArrowRight' ? 1 : -1) + tabs.length) % tabs.length;
      tabs[i].focus();
      this.setLocation(tabs[i].dataset.loc);
    }
  }

  onChange(e) {
    const n = e.target;
    if (n.name === 'gm-cert-pick') {
      this.picked(n.value);
    } else if (n.dataset.input === 'folder' || n.dataset.input === 'files') {
      this.add(Promise.resolve(fromFileList(n.files)));
      n.value = '';
    }
  }

  onClick(e) {
    const tab = e.target.closest('[role="tab"]');
    if (tab) { this.setLocation(tab.dataset.loc); return; }
    const row = e.target.closest('tr[data-id]');
    if (row && !e.target.closest('input')) {
      const r = row.querySelector('input');
      r.checked = true; r.focus(); this.picked(r.value);
      return;
    }
    const act = e.target.closest('[data-act]');
    if (!act || this.busy) return;
    switch (act.dataset.act) {
      case 'cancel': this.finish(null, abortError()); break;
      case 'ok': this.ok(); break;
      case 'find': case 'pick-folder': this.pickFolder(); break;
      case 'pick-files': this.q('[data-input="files"]').click(); break;
      case 'view': this.toggleDetails(act); break;
      case 'remove': this.remove(); break;
    }
  }

  async pickFolder() {
    if (DISABLED_LOCATIONS.includes(this.loc)) this.setLocation('hdd');
    if (globalThis.showDirectoryPicker) {
      let dir;
      try {
        dir = await showDirectoryPicker({ id: 'gwanmun-npki', mode: 'read' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        this.q('[data-input="folder"]').click(); // e.g. not allowed here: the classic input
        return;
      }
      this.add(fromDirectoryHandle(dir));
    } else {
      this.q('[data-input="folder"]').click();
    }
  }

  /** add lists the certificates in a promise of Found files. */
  async add(foundP) {
    this.say(this.tr('working'), true);
    try {
      const { entries, errors } = await findEntries(await foundP);
      for (const e of entries) this.entries.set(e.id, e);
      this.render();
      if (entries.length) {
        this.say(this.tr('found', entries.length), true);
        const usable = entries.find((x) => !describe(x).unusable);
        const pick = usable && this.el.querySelector(`input[name="gm-cert-pick"][value="${usable.id}"]`);
        if (pick) { pick.checked = true; this.selected = pick.value; }
        else if (Array.from(this.entries.values()).every((x) => describe(x).unusable)) {
          this.say([this.tr('noneUsable'), ...entries.map((x) => this.unusableReason(x))].join(' '));
        }
      } else {
        this.say(errors.length ? this.tr('malformed') : this.tr('foundNone'));
      }
    } catch {
      this.say(this.tr('malformed'));
    }
  }

  render() {
    const body = this.q('[data-list]');
    body.textContent = '';
    const now = new Date();
    const sorted = Array.from(this.entries.values()).map((e) => [e, describe(e, now)])
      .sort((a, b) => Number(a[1].unusable) - Number(b[1].unusable) || (b[1].notAfter || 0) - (a[1].notAfter || 0));
    let n = 0;
    for (const [e, d] of sorted) {
      const tr = document.createElement('tr');
      tr.dataset.id = e.id;
      if (d.unusable) {
        // Greyed but selectable: choosing it says why it cannot be used.
        tr.className = 'gm-cert--expired';
        tr.dataset.state = d.expired ? 'expired' : 'not-yet-valid';
      } else if (d.expiringSoon) tr.className = 'gm-cert--soon';
      const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td); return td; };
      cell(this.tr(d.cls));
      const user = cell('', 'gm-cert__user');
      const label = document.createElement('label');
      const radio = document.createElement('input');
      Object.assign(radio, { type: 'radio', name: 'gm-cert-pick', value: e.id, checked: e.id === this.selected });
      // The name; the whole CN on hover and in [인증서 보기].
      const name = document.createElement('span');
      name.textContent = d.locked ? `${d.user} (${this.tr('locked')})` : d.user;
      if (d.cn && d.cn !== d.user) name.title = d.cn;
      label.append(radio, ' ', name);
      user.append(label);
      const exp = cell('', 'gm-cert__date');
      const date = document.createElement('span');
      date.textContent = d.notAfter ? ymd(d.notAfter) : '—';
      exp.append(date);
      if (d.unusable || d.expiringSoon) {
        const badge = document.createElement('span');
        badge.className = 'gm-cert__badge';
        badge.id = `gm-cert-badge-${n++}`;
        badge.textContent = this.tr(d.expired ? 'expired' : d.notYetValid ? 'notYetValid' : 'expiringSoon');
        if (d.notYetValid) badge.title = this.tr('validFrom', ymd(d.notBefore));
        radio.setAttribute('aria-describedby', badge.id);
        exp.append(' ', badge);
      }
      cell(d.issuer || '—');
      body.append(tr);
    }
    this.q('[data-empty]').hidden = this.entries.size > 0;
    if (this.selected && !this.entries.has(this.selected)) this.selected = null;
  }

  /** picked records a choice and says at once why an unusable one cannot be used. */
  picked(id) {
    this.selected = id;
    if (!this.q('#gm-cert-details').hidden) this.showDetails();
    const e = this.entries.get(id);
    const why = e && this.unusableReason(e);
    this.say(why || '', !why);
  }

  /**
   * unusableReason explains, with its dates and what to do, why entry e
   * cannot be used now ('' when it can). The advice depends on the purpose:
   * a renewed certificate logs in only after 인증서 재등록.
   */
  unusableReason(e) {
    const d = describe(e);
    if (!d.unusable) return '';
    const o = this.opts || {};
    if (d.expired) {
      return this.tr('expiredCert', d.user, ymd(d.notAfter)) + (o.purpose === 'login' ? ' ' + this.tr('expiredLogin') : '');
    }
    return this.tr('notYetValidCert', d.user, ymd(d.notBefore));
  }

  toggleDetails(btn) {
    const box = this.q('#gm-cert-details');
    if (!box.hidden) { box.hidden = true; btn.setAttribute('aria-expanded', 'false'); return; }
    if (!this.current(true)) return;
    this.showDetails();
    box.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
  }

  showDetails() {
    const e = this.entries.get(this.selected);
    const dl = this.q('[data-details]');
    dl.textContent = '';
    if (!e) return;
    const c = e.cert;
    const add = (k, v) => {
      const dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = this.tr(k); dd.textContent = v;
      dl.append(dt, dd);
    };
    if (c) {
      const d = describe(e);
      add('dSubject', c.subject.string);
      add('dIssuer', c.issuer.string);
      add('dSerial', `${serialDecimal(c.serial)} (0x${c.serial})`);
      add('dValidity', `${ymd(c.notBefore)} ~ ${ymd(c.notAfter)}`);
      add('dPolicy', `${c.policy || '—'} (${this.tr(d.cls)})`);
      add('dKeyUsage', c.keyUsage.join(', ') || '—');
    } else {
      add('dSubject', this.tr('locked'));
    }
    add('dSource', e.source || '—');
  }

  /** current returns the selected entry, or says why there is none. */
  current(quiet = false) {
    const r = this.el.querySelector('input[name="gm-cert-pick"]:checked');
    const e = r && this.entries.get(r.value);
    if (!e) {
      const all = Array.from(this.entries.values());
      if (all.length && all.every((x) => describe(x).unusable)) {
        // Only unusable certificates: say which and why, not just "select".
        this.say([this.tr('noneUsable'), ...all.map((x) => this.unusableReason(x))].join(' '));
      } else {
        this.say(this.tr('selectFirst'));
      }
      if (!quiet) (this.el.querySelector('input[name="gm-cert-pick"]') || this.q('[data-act="find"]')).focus();
      return null;
    }
    return e;
  }

  async remove() {
    const e = this.current();
    if (!e) return;
    const stored = await forget(e.id).catch(() => false);
    this.entries.delete(e.id);
    this.rememberedIds.delete(e.id);
    this.selected = null;
    this.render();
    this.q('#gm-cert-details').hidden = true;
    this.say(this.tr(stored ? 'removed' : 'notRemembered'), true);
  }

  async ok() {
    if (this.busy) return;
    const e = this.current();
    if (!e) return;
    const pwInput = this.q('#gm-cert-password');
    const why = this.unusableReason(e);
    if (why) { this.say(why); return; }
    const password = pwInput.value;
    if (!password) { this.say(this.tr('enterPassword')); pwInput.focus(); return; }
    const o = this.opts;
    const personalOnly = o.personalOnly ?? (o.purpose === 'signup' || o.purpose === 'cert-change');
    if (personalOnly && e.cert && describe(e).cls !== 'personal') { this.say(this.tr('personalOnly')); return; }
    this.busy = true;
    this.el.setAttribute('aria-busy', 'true');
    this.say(this.tr('working'), true);
    try {
      const u = await unlock(e, password);
      this.tries.delete(e.id);
      const d = describe({ cert: u.cert });
      if (d.unusable) { this.say(this.unusableReason({ cert: u.cert })); return; }
      if (personalOnly && d.cls !== 'personal') { this.say(this.tr('personalOnly')); return; }
      const ch = await fetchChallenge(o.challengeURL, o.purpose, o.csrfToken);
      const signature = await signWith(u, challengeBytes(o.purpose, ch.origin, ch.nonce));
      if (this.q('[data-input="remember"]').checked) await remember(e).catch(() => {});
      this.finish({
        nonce: ch.nonce,
        certificate: toBase64(u.cert.der),
        signature: toBase64(signature),
        info: { subject: u.cert.subject.string, user: d.user, issuer: u.cert.issuer.string, serial: u.cert.serial, notAfter: u.cert.notAfter, class: d.cls, policy: u.cert.policy },
      });
    } catch (err) {
      this.fail(e, err, pwInput);
    } finally {
      this.busy = false;
      this.el.removeAttribute('aria-busy');
    }
  }

  fail(e, err, pwInput) {
    if (err.code === Code.WRONG_PASSWORD) {
      const n = (this.tries.get(e.id) || 0) + 1;
      this.tries.set(e.id, n);
      this.say(n >= MAX_TRIES ? this.tr('tooMany') : this.tr('wrongPassword', n));
      pwInput.value = '';
      pwInput.focus();
    } else if (err.code === Code.KEY_MISMATCH || err.code === Code.UNSUPPORTED || err.code === Code.MALFORMED) {
      this.say(this.tr(err.code === Code.KEY_MISMATCH ? 'keyMismatch' : err.code === Code.UNSUPPORTED ? 'unsupported' : 'malformed'));
    } else {
      this.say(this.tr(err.kind === 'badChallenge' ? 'badChallenge' : 'network'));
    }
  }
}

let instance = null;

/**
 * openCertDialog opens the dialog and resolves, after the user chose a
 * certificate and the page signed the server's challenge, with
 * {nonce, certificate, signature, info}: certificate and signature in
 * standard base64, ready for the server (docs/auth-protocol.md). It rejects
 * with an AbortError DOMException when the user cancels.
 * @param {{purpose: string, challengeURL?: string, csrfToken?: string, personalOnly?: boolean}} opts
 *   personalOnly defaults to true for signup and cert-change (manual §1.4).
 */
export function openCertDialog(opts) {
  const el = document.getElementById('gm-cert-dialog');
  if (!el) return Promise.reject(new Error('certificate dialog markup missing: include {{template "cert_dialog"}}'));
  if (!instance || instance.el !== el) instance = new Dialog(el);
  if (instance.resolve) return Promise.reject(new Error('certificate dialog already open'));
  return instance.open({ challengeURL: '/auth/challenge', ...opts });
}

/**
 * bindCertButtons makes every element with data-cert-dialog open the dialog:
 *
 *   <button type="button" data-cert-dialog data-cert-purpose="login"
 *           data-cert-form="#login-form">공동인증서 로그인</button>
 *
 * data-cert-challenge-url overrides /auth/challenge; the CSRF token is
 * data-cert-csrf, else <meta name="csrf-token" content="...">, else the
 * form's csrf_token field. On success the
 * form (data-cert-form, else the button's form) gets hidden inputs nonce,
 * certificate and signature and is submitted; the button also dispatches a
 * "gm-cert-signed" event with the result as detail (cancelable: cancel it
 * to handle the result yourself).
 */
export function bindCertButtons(root = document) {
  for (const btn of root.querySelectorAll('[data-cert-dialog]:not([data-cert-bound])')) {
    btn.dataset.certBound = '';
    btn.addEventListener('click', async (ev) => {
      ev.preventDefault();
      const form = btn.dataset.certForm ? document.querySelector(btn.dataset.certForm) : btn.form;
      const meta = document.querySelector('meta[name="csrf-token"]');
      const field = form && form.querySelector('input[name="csrf_token"]');
      const po = btn.dataset.certPersonalOnly;
      let r;
      try {
        r = await openCertDialog({
          purpose: btn.dataset.certPurpose || 'login',
          challengeURL: btn.dataset.certChallengeUrl || '/auth/challenge',
          csrfToken: btn.dataset.certCsrf || (meta && meta.content) || (field && field.value) || '',
          personalOnly: po === undefined ? undefined : po !== 'false',
        });
      } catch {
        return; // cancelled
      }
      const go = btn.dispatchEvent(new CustomEvent('gm-cert-signed', { detail: r, bubbles: true, cancelable: true }));
      if (!go || !form) return;
      for (const k of ['nonce', 'certificate', 'signature']) {
        let input = form.querySelector(`input[type="hidden"][name="${k}"]`);
        if (!input) {
          input = Object.assign(document.createElement('input'), { type: 'hidden', name: k });
          form.append(input);
        }
        input.value = r[k];
      }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => bindCertButtons());
  else bindCertButtons();
}
