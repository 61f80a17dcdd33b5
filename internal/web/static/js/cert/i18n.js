// The dialog's texts: Korean (the manual's labels, verbatim where the manual
// has them) and English. The language is document.documentElement.lang.

const ko = {
  title: '인증서 입력 (전자서명)',
  close: '닫기',
  location: '인증서 위치',
  hdd: '하드디스크', removable: '이동식디스크', storageToken: '저장토큰', securityToken: '보안토큰', phone: '휴대폰',
  soon: '지원 예정입니다',
  soonLong: '{0}은(는) 아직 지원하지 않습니다. 하드디스크 또는 이동식디스크의 인증서를 사용하세요.',
  hddHint: 'NPKI 폴더(Windows: 사용자 폴더\\AppData\\LocalLow\\NPKI, macOS: ~/Library/Preferences/NPKI)나 인증서 파일(signCert.der, signPri.key, .p12/.pfx)을 선택하거나 여기로 끌어 놓으세요.',
  removableHint: '이동식디스크의 NPKI 폴더나 인증서 파일(signCert.der, signPri.key, .p12/.pfx)을 선택하거나 여기로 끌어 놓으세요.',
  pickFolder: '폴더 선택', pickFiles: '파일 선택',
  list: '인증서 목록',
  colType: '구분', colUser: '사용자', colExpiry: '만료일', colIssuer: '발급자',
  personal: '개인', institution: '법인', unknown: '기타',
  expired: '만료', notYetValid: '유효기간 전', expiringSoon: '만료 임박', locked: '암호 입력 후 표시',
  validFrom: '{0}부터 유효',
  empty: '인증서가 없습니다. [인증서 찾기]로 NPKI 폴더나 인증서 파일을 선택하세요.',
  find: '인증서 찾기', view: '인증서 보기', remove: '인증서 삭제',
  password: '인증서 암호',
  noteCase: '인증서 암호는 대소문자를 구분합니다',
  noteSelect: '인증서를 선택한 후 인증서 암호를 입력하세요',
  capsLock: 'Caps Lock이 켜져 있습니다.',
  remember: '이 기기에 인증서 기억하기',
  rememberNote: '암호화된 인증서 파일만 이 브라우저에 저장됩니다. [인증서 삭제]로 지울 수 있습니다.',
  ok: '확인', cancel: '취소',
  details: '인증서 정보',
  dSubject: '사용자(주체)', dIssuer: '발급자', dSerial: '일련번호', dValidity: '유효기간', dPolicy: '인증서 정책', dKeyUsage: '키 용도', dSource: '위치',
  selectFirst: '인증서를 먼저 선택하세요.',
  enterPassword: '인증서 암호를 입력하세요.',
  wrongPassword: '인증서 암호가 올바르지 않습니다. 다시 입력하세요. ({0}/5)',
  tooMany: '인증서 암호를 5회 이상 잘못 입력했습니다. 암호를 잊으셨다면 이 사이트에서는 확인하거나 초기화할 수 없으니, 인증서를 발급한 기관(은행·증권사 또는 인증기관)에서 인증서를 재발급 받으세요.',
  expiredCert: '{0}님의 인증서는 {1}에 만료되어 사용할 수 없습니다. 인증서를 발급한 은행·증권사 또는 인증기관에서 갱신(재발급)받은 뒤 새 인증서를 선택하세요.',
  expiredLogin: '갱신한 인증서로 처음 로그인할 때는 먼저 [인증서 재등록]을 하세요.',
  notYetValidCert: '{0}님의 인증서는 {1}부터 쓸 수 있습니다(유효기간 전). 그 날 이후 다시 시도하세요. 이미 지났다면 컴퓨터의 날짜와 시간을 확인하세요.',
  noneUsable: '지금 사용할 수 있는 인증서가 목록에 없습니다.',
  personalOnly: '개인용 인증서만 사용할 수 있습니다. 법인(기관) 인증서는 사용자 가입에 쓸 수 없습니다.',
  keyMismatch: '인증서와 개인키 파일이 서로 맞지 않습니다.',
  unsupported: '지원하지 않는 인증서 형식입니다.',
  malformed: '인증서 파일을 읽을 수 없습니다.',
  notRemembered: '이 인증서는 이 기기에 저장되어 있지 않아 목록에서만 뺐습니다.',
  removed: '인증서를 목록과 이 기기에서 삭제했습니다.',
  found: '인증서 {0}개를 찾았습니다.',
  foundNone: '선택한 위치에서 인증서를 찾지 못했습니다.',
  working: '처리 중입니다…',
  network: '서버와 통신하지 못했습니다. 잠시 후 다시 시도하세요.',
  badChallenge: '서버의 서명 요청이 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.',
  insecure: '보안 연결(HTTPS)에서만 인증서를 사용할 수 있습니다.',
  cancelled: '취소했습니다.',
};

const en = {
  title: 'Certificate input (digital signature)',
  close: 'Close',
  location: 'Certificate location',
  hdd: 'Hard disk', removable: 'Removable disk', storageToken: 'Storage token', securityToken: 'Security token', phone: 'Mobile phone',
  soon: 'Not supported yet',
  soonLong: '{0} is not supported yet. Use a certificate on a hard disk or removable disk.',
  hddHint: 'Choose your NPKI folder (Windows: user folder\\AppData\\LocalLow\\NPKI, macOS: ~/Library/Preferences/NPKI) or certificate files (signCert.der, signPri.key, .p12/.pfx), or drop them here.',
  removableHint: 'Choose the NPKI folder on the removable disk or certificate files (signCert.der, signPri.key, .p12/.pfx), or drop them here.',
  pickFolder: 'Choose folder', pickFiles: 'Choose files',
  list: 'Certificates',
  colType: 'Type', colUser: 'User', colExpiry: 'Expires', colIssuer: 'Issuer',
  personal: 'Personal', institution: 'Corporate', unknown: 'Other',
  expired: 'Expired', notYetValid: 'Not yet valid', expiringSoon: 'Expires soon', locked: 'Shown after the password',
  validFrom: 'Valid from {0}',
  empty: 'No certificates. Use [Find certificate] to choose your NPKI folder or certificate files.',
  find: 'Find certificate', view: 'View certificate', remove: 'Delete certificate',
  password: 'Certificate password',
  noteCase: 'The certificate password is case-sensitive',
  noteSelect: 'Select a certificate, then enter its password',
  capsLock: 'Caps Lock is on.',
  remember: 'Remember this certificate on this device',
  rememberNote: 'Only the encrypted certificate files are stored in this browser. [Delete certificate] removes them.',
  ok: 'OK', cancel: 'Cancel',
  details: 'Certificate details',
  dSubject: 'Subject', dIssuer: 'Issuer', dSerial: 'Serial number', dValidity: 'Validity', dPolicy: 'Policy', dKeyUsage: 'Key usage', dSource: 'Location',
  selectFirst: 'Select a certificate first.',
  enterPassword: 'Enter the certificate password.',
  wrongPassword: 'The certificate password is wrong. Please try again. ({0}/5)',
  tooMany: 'The password was wrong five times. If you forgot it, this site cannot check or reset it: have the certificate reissued by its issuer (your bank, securities firm or certification authority).',
  expiredCert: 'The certificate of {0} expired on {1} and cannot be used. Have it renewed (reissued) by the bank, securities firm or certification authority that issued it, then choose the new certificate.',
  expiredLogin: 'To log in with a renewed certificate for the first time, use [Re-register certificate] first.',
  notYetValidCert: 'The certificate of {0} is valid from {1} (not yet valid). Try again from that day; if it has passed, check your computer\'s date and time.',
  noneUsable: 'No certificate in the list can be used now.',
  personalOnly: 'Only personal certificates can be used. Corporate (institution) certificates cannot be used to sign up.',
  keyMismatch: 'The certificate and private key files do not belong together.',
  unsupported: 'This certificate format is not supported.',
  malformed: 'The certificate file cannot be read.',
  notRemembered: 'This certificate was not stored on this device; it was removed from the list only.',
  removed: 'The certificate was removed from the list and from this device.',
  found: 'Found {0} certificate(s).',
  foundNone: 'No certificate was found there.',
  working: 'Working…',
  network: 'Could not reach the server. Please try again later.',
  badChallenge: 'The server\'s signing request is invalid. Reload the page and try again.',
  insecure: 'Certificates can be used only over a secure (HTTPS) connection.',
  cancelled: 'Cancelled.',
};

/** STRINGS holds both languages; i18n.test.mjs checks they have the same keys. */
export const STRINGS = { ko, en };

/** lang returns 'en' when the page is in English, else 'ko'. */
export function lang(doc = globalThis.document) {
  return doc && /^en\b/i.test(doc.documentElement.lang || '') ? 'en' : 'ko';
}

/** t returns the text for key in language l, with {0}, {1}… replaced by args. */
export function t(l, key, ...args) {
  const s = (STRINGS[l] && STRINGS[l][key]) ?? ko[key] ?? key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[i]));
}
