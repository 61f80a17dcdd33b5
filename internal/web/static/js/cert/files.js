// Finding certificates in what the user picked: a folder (input
// webkitdirectory, showDirectoryPicker, drag and drop) or loose files.
// signCert.der + signPri.key in one folder make an NPKI entry; .p12/.pfx
// files are entries of their own. kmCert/kmPri (key management) are ignored.

import { npkiEntry, p12Entry } from './certs.js';

/** Files larger than this are not certificate files and are skipped unread. */
export const MAX_FILE_SIZE = 256 * 1024;
/** At most this many files are looked at, so a huge folder cannot stall the page. */
export const MAX_FILES = 20000;

const isP12 = (n) => /\.(p12|pfx)$/i.test(n);
const isCertFile = (n) => /^signcert\.der$/i.test(n) || isP12(n) || /\.(der|cer|key)$/i.test(n);

/**
 * @typedef {object} Found  a file found by a picker
 * @property {string} path folder path, '/'-separated, '' for loose files
 * @property {string} name file name
 * @property {() => Promise<Uint8Array>} read
 * @property {number} size
 */

/** fromFileList turns an <input type=file> FileList into Found items. */
export function fromFileList(list) {
  return Array.from(list, (f) => {
    const rel = f.webkitRelativePath || f.name;
    const cut = rel.lastIndexOf('/');
    return { path: cut < 0 ? '' : rel.slice(0, cut), name: f.name, size: f.size, read: async () => new Uint8Array(await f.arrayBuffer()) };
  });
}

/**
 * fromDirectoryHandle walks a FileSystemDirectoryHandle (showDirectoryPicker),
 * looking at no more than MAX_FILES names in all, 8 levels deep.
 */
export async function fromDirectoryHandle(dir, path = dir.name, out = [], depth = 0, seen = { n: 0 }) {
  if (depth > 8) return out;
  for await (const h of dir.values()) {
    if (++seen.n > MAX_FILES) break;
    if (h.kind === 'directory') await fromDirectoryHandle(h, `${path}/${h.name}`, out, depth + 1, seen);
    else if (isCertFile(h.name)) {
      const f = await h.getFile();
      out.push({ path, name: h.name, size: f.size, read: async () => new Uint8Array(await f.arrayBuffer()) });
    }
  }
  return out;
}

/** fromDataTransfer reads dropped files and folders (webkitGetAsEntry). */
export async function fromDataTransfer(dt) {
  const entries = Array.from(dt.items || [], (i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
  if (!entries.length) return fromFileList(dt.files || []);
  const out = [];
  let seen = 0;
  const fileOf = (e) => new Promise((res, rej) => e.file(res, rej));
  const readAll = (r) => new Promise((res, rej) => {
    const acc = [];
    const next = () => r.readEntries((b) => (b.length ? (acc.push(...b), next()) : res(acc)), rej);
    next();
  });
  async function walk(e, path, depth) {
    if (++seen > MAX_FILES || depth > 8) return;
    if (e.isDirectory) {
      for (const c of await readAll(e.createReader())) await walk(c, path ? `${path}/${e.name}` : e.name, depth + 1);
    } else if (isCertFile(e.name)) {
      const f = await fileOf(e);
      out.push({ path, name: e.name, size: f.size, read: async () => new Uint8Array(await f.arrayBuffer()) });
    }
  }
  for (const e of entries) await walk(e, '', 0);
  return out;
}

/**
 * findEntries groups Found files into certificate entries. Files that do
 * not parse are reported in errors, not thrown, so one bad file does not
 * hide the others.
 * @param {Found[]} found
 * @returns {Promise<{entries: import('./certs.js').Entry[], errors: {source: string, error: Error}[]}>}
 */
export async function findEntries(found) {
  const byDir = new Map();
  for (const f of found.slice(0, MAX_FILES)) {
    if (f.size > MAX_FILE_SIZE) continue;
    if (!byDir.has(f.path)) byDir.set(f.path, []);
    byDir.get(f.path).push(f);
  }
  const entries = [], errors = [];
  for (const [dir, files] of byDir) {
    const pick = (re) => files.filter((f) => re.test(f.name));
    let cert = pick(/^signcert\.der$/i), key = pick(/^signpri\.key$/i);
    if (!cert.length && !key.length) {
      // Loose files: one certificate and one key file with other names.
      const ders = pick(/\.(der|cer)$/i).filter((f) => !/^kmcert/i.test(f.name));
      const keys = pick(/\.key$/i).filter((f) => !/^kmpri/i.test(f.name));
      if (ders.length === 1 && keys.length === 1) [cert, key] = [ders, keys];
    }
    if (cert.length === 1 && key.length === 1) {
      try {
        entries.push(npkiEntry(await cert[0].read(), await key[0].read(), dir || cert[0].name));
      } catch (error) {
        errors.push({ source: `${dir}/${cert[0].name}`, error });
      }
    }
    for (const f of pick(/\.(p12|pfx)$/i)) {
      try {
        entries.push(await p12Entry(await f.read(), dir ? `${dir}/${f.name}` : f.name));
      } catch (error) {
        errors.push({ source: f.name, error });
      }
    }
  }
  // The same certificate found twice (e.g. hard disk and a copy) is listed once.
  const seen = new Set();
  return { entries: entries.filter((e) => !seen.has(e.id) && seen.add(e.id)), errors };
}
