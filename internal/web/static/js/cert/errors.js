// Errors of the certificate dialog's crypto code. Every failure on outside
// bytes or a wrong password is a CertError with a stable code, so the UI can
// say what happened without parsing messages.

/** Error codes of CertError. */
export const Code = Object.freeze({
  /** The bytes are not the DER structure expected. */
  MALFORMED: 'malformed',
  /** An algorithm or format that is not supported. */
  UNSUPPORTED: 'unsupported',
  /** The password does not decrypt the key (bad padding, bad PKCS#8 or MAC). */
  WRONG_PASSWORD: 'wrong-password',
  /** The private key does not belong to the certificate. */
  KEY_MISMATCH: 'key-mismatch',
});

/** CertError is the one error type thrown by the parsers and decryptors. */
export class CertError extends Error {
  /**
   * @param {string} code one of Code
   * @param {string} message English detail for logs (never secrets)
   */
  constructor(code, message) {
    super(message);
    this.name = 'CertError';
    this.code = code;
  }
}

/** malformed returns a CertError with Code.MALFORMED. */
export const malformed = (msg) => new CertError(Code.MALFORMED, msg);
/** unsupported returns a CertError with Code.UNSUPPORTED. */
export const unsupported = (msg) => new CertError(Code.UNSUPPORTED, msg);
/** wrongPassword returns a CertError with Code.WRONG_PASSWORD. */
export const wrongPassword = (msg = 'wrong password') => new CertError(Code.WRONG_PASSWORD, msg);
