// "이 기기에 인증서 기억하기": the encrypted certificate files (signCert.der +
// signPri.key, or the .p12) kept in IndexedDB. Never the password, never a
// decrypted key.

const DB = 'gwanmun-cert', STORE = 'certs';

function open() {
  return new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) { reject(new Error('IndexedDB unavailable')); return; }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req && req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

/**
 * remember stores an entry's encrypted files under its id.
 * @param {import('./certs.js').Entry} e
 */
export function remember(e) {
  const rec = { id: e.id, kind: e.kind, source: e.source, savedAt: Date.now() };
  if (e.kind === 'npki') Object.assign(rec, { certDER: e.certDER, keyFile: e.keyFile });
  else rec.p12 = e.p12;
  return tx('readwrite', (s) => s.put(rec));
}

/** remembered returns the stored records (empty when IndexedDB is unavailable). */
export async function remembered() {
  try {
    return (await tx('readonly', (s) => s.getAll())) || [];
  } catch {
    return [];
  }
}

/** forget deletes the record with id; it reports whether one was stored. */
export async function forget(id) {
  const had = await tx('readonly', (s) => s.getKey(id)).catch(() => undefined);
  if (had === undefined) return false;
  await tx('readwrite', (s) => s.delete(id));
  return true;
}
