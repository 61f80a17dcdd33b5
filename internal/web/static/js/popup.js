// Pop-up notices (팝업 공지): each <dialog data-popup> opens as a modal,
// one after another, unless already seen in this browser session in this
// version ([닫기]) or dismissed for today ([오늘 하루 보지 않기]). Focus
// stays inside the open dialog (Tab and Shift+Tab wrap) and returns to
// where it was when the last one closes; Escape is [닫기].

const seenKey = (d) => `gw-popup-${d.dataset.popup}-v${d.dataset.popupVersion}`;

function hidden(d) {
  const key = seenKey(d);
  try {
    if (sessionStorage.getItem(key)) return true;
    const until = Number(localStorage.getItem(key + '-until') || 0);
    return until > Date.now();
  } catch {
    return false; // storage blocked: show every time
  }
}

function endOfToday() {
  const t = new Date();
  t.setHours(24, 0, 0, 0);
  return t.getTime();
}

function focusables(d) {
  return [...d.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])')];
}

function openNext(queue, returnTo) {
  const d = queue.shift();
  if (!d) {
    if (returnTo && document.contains(returnTo)) returnTo.focus();
    else document.getElementById('content')?.focus();
    return;
  }
  const done = (today) => {
    const key = seenKey(d);
    try {
      sessionStorage.setItem(key, '1');
      if (today) localStorage.setItem(key + '-until', String(endOfToday()));
    } catch { /* storage blocked */ }
    d.classList.remove('shown', 'in');
    d.close();
  };
  d.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Tab') return;
    const f = focusables(d);
    if (f.length === 0) return;
    const first = f[0], last = f[f.length - 1];
    if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  });
  d.addEventListener('cancel', (ev) => { ev.preventDefault(); done(false); });
  d.querySelector('[data-popup-act="close"]').addEventListener('click', () => done(false));
  d.querySelector('[data-popup-act="today"]').addEventListener('click', () => done(true));
  d.addEventListener('close', () => openNext(queue, returnTo), { once: true });
  d.classList.add('shown', 'in'); // KRDS: .krds-modal.shown.in is visible
  d.showModal();
  d.querySelector('[data-popup-act="close"]').focus();
}

function start() {
  const queue = [...document.querySelectorAll('dialog[data-popup]')].filter((d) => !hidden(d));
  if (queue.length) openNext(queue, document.activeElement);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
