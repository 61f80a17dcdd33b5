// The challenge message the browser signs (docs/auth-protocol.md); it must
// produce the same bytes as Go's pki.ChallengeMessage.

/**
 * challengeMessage returns the canonical message: four lines joined by a
 * single "\n", no trailing newline.
 * @returns {string}
 */
export function challengeMessage(purpose, origin, nonce) {
  return `gwanmun-auth-v1\npurpose:${purpose}\norigin:${origin}\nnonce:${nonce}`;
}

/** challengeBytes returns challengeMessage as UTF-8 bytes, the bytes signed. */
export function challengeBytes(purpose, origin, nonce) {
  return new TextEncoder().encode(challengeMessage(purpose, origin, nonce));
}
