// Texts and size: both languages have the same keys, every data-t key of
// the template exists, the manual's labels are verbatim, and all of the
// dialog's JavaScript stays well under 100 KB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STRINGS, t } from './i18n.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

test('Korean and English have the same keys', () => {
  assert.deepEqual(Object.keys(STRINGS.en).sort(), Object.keys(STRINGS.ko).sort());
  assert.equal(t('ko', 'wrongPassword', 2), '인증서 암호가 올바르지 않습니다. 다시 입력하세요. (2/5)');
  assert.equal(t('en', 'found', 3), 'Found 3 certificate(s).');
});

test('template keys exist and keep the manual\'s labels', () => {
  const html = readFileSync(here('../../../templates/partials/cert_dialog.html'), 'utf8');
  for (const [, key, text] of html.matchAll(/data-t="(\w+)"[^>]*>([^<]*)</g)) {
    assert.ok(key in STRINGS.ko, `missing text ${key}`);
    assert.equal(text, STRINGS.ko[key], `template text of ${key}`);
  }
  for (const label of ['인증서 입력 (전자서명)', '하드디스크', '이동식디스크', '저장토큰', '보안토큰', '휴대폰', '구분', '사용자', '만료일', '발급자',
    '인증서 찾기', '인증서 보기', '인증서 삭제', '인증서 암호는 대소문자를 구분합니다', '인증서를 선택한 후 인증서 암호를 입력하세요', '확인', '취소']) {
    assert.ok(html.includes(`>${label}<`), label);
  }
  assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), 'no inline script');
  assert.ok(!/\sstyle=|\son\w+=/.test(html), 'no inline style or handlers');
});

test('dialog JavaScript is under 100 KB', () => {
  const files = readdirSync(here('.')).filter((f) => f.endsWith('.js') && f !== 'demo.js');
  const total = files.reduce((n, f) => n + statSync(here(f)).size, 0);
  console.log(`# ${files.length} modules, ${total} bytes`);
  assert.ok(total < 100 * 1024, `${total} bytes`);
});
