// 정기 권한 점검: a "select all" checkbox (data-select-all="name") checks
// or clears every checkbox of that name in its form, and follows them.
for (const all of document.querySelectorAll('input[type=checkbox][data-select-all]')) {
  const form = all.form;
  const boxes = () => form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`);
  all.addEventListener('change', () => {
    for (const b of boxes()) b.checked = all.checked;
  });
  form.addEventListener('change', (ev) => {
    if (ev.target === all) return;
    const list = [...boxes()];
    all.checked = list.length > 0 && list.every((b) => b.checked);
    all.indeterminate = !all.checked && list.some((b) => b.checked);
  });
}
