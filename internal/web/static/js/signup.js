// Signup and permission-request enhancements (the forms work without it):
// the user ID availability check, and showing the "outside jurisdiction"
// confirmation only when the chosen approving institution lacks it.

const idInput = document.querySelector('[data-id-check]');
if (idInput) {
  const button = document.querySelector('[data-id-check-button]');
  const out = document.getElementById('m-login_id');
  button.hidden = false;
  button.addEventListener('click', async () => {
    const url = idInput.dataset.idCheck + '?id=' + encodeURIComponent(idInput.value);
    try {
      const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      const body = await res.json();
      out.textContent = body.message;
      out.classList.toggle('gw-ok', !!body.available);
      idInput.setAttribute('aria-invalid', body.available ? 'false' : 'true');
    } catch {
      out.textContent = document.documentElement.lang === 'en'
        ? 'Could not check now. It will be checked when you continue.'
        : '지금은 확인할 수 없습니다. [다음]을 누르면 다시 확인합니다.';
    }
  });
}

const approver = document.querySelector('select[data-jurisdiction]');
const confirmBox = document.querySelector('[data-outside-confirm]');
if (approver && confirmBox) {
  const sync = () => {
    const outside = approver.dataset.jurisdiction !== '0' && approver.value !== approver.dataset.jurisdiction;
    confirmBox.hidden = !outside;
    const input = confirmBox.querySelector('input');
    input.required = outside;
    if (!outside) input.checked = false;
  };
  approver.addEventListener('change', sync);
  sync();
}

// Forms with data-confirm ask before they submit.
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
}

// A header checkbox with data-select-all="name" ticks every checkbox of
// that name in its form (승인 관리's bulk decisions): checked when all are,
// mixed (indeterminate) when some are. It is hidden without JavaScript.
for (const all of document.querySelectorAll('input[type="checkbox"][data-select-all]')) {
  const form = all.form || all.closest('form');
  const boxes = () => Array.from(form.querySelectorAll(`input[type="checkbox"][name="${all.dataset.selectAll}"]`));
  const sync = () => {
    const b = boxes(), n = b.filter((x) => x.checked).length;
    all.checked = n > 0 && n === b.length;
    all.indeterminate = n > 0 && n < b.length;
  };
  all.hidden = false;
  all.addEventListener('change', () => {
    for (const b of boxes()) b.checked = all.checked;
    all.indeterminate = false;
  });
  form.addEventListener('change', (e) => { if (e.target !== all && e.target.name === all.dataset.selectAll) sync(); });
  sync();
}
