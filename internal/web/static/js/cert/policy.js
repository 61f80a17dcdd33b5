// Personal (개인) vs institution (법인) by the certificate's first policy OID.
// A compact copy of internal/pki/policy.go (sources and conflicts are noted
// there and in /work/shared/reference/npki.md §4); policy.test.mjs checks
// that both tables agree. Server certificates count as institution.
// Unknown OIDs are 'unknown', never personal.

const P = 'personal', I = 'institution';

/** ARCS maps an OID prefix to {suffix: class}. */
const ARCS = {
  '1.2.410.200005.1.1.': { 1: P, 4: P, '6.2': P, 5: I, 2: I, 3: I, '6.1': I, '6.3': I, '6.4': I, '6.5': I }, // yessign
  '1.2.410.200004.5.2.1.': { 2: P, '7.1': P, '7.2': P, '7.3': P, 1: I, 3: I, 4: I, 5: I, 6: I, '6.257': I, 5001: I }, // KICA
  '1.2.410.200004.5.1.1.': { 5: P, 1: P, 9: P, '9.2': P, 7: I, 3: I, 2: I, 4: I, 6: I, 8: I, 11: I, 12: I }, // SignKorea
  '1.2.410.200004.5.4.1.': { 1: P, 4: P, 101: P, 102: P, 103: P, 104: P, 105: P, 106: P, 107: P, 108: P, 109: P, 2: I, 5: I, 3: I }, // CrossCert
  '1.2.410.200012.1.1.': { 1: P, 7: P, 101: P, 103: P, 105: P, 3: I, 5: I }, // TradeSign
  '1.2.410.200004.5.3.1.': { 9: P, 4: P, 8: P, 1: I, 2: I, 3: I }, // NCASign
  '1.2.410.200004.5.5.1.': { 1: P, '3.1': P, 2: I, '4.1': I, '4.2': I }, // INIPASS
  '1.2.410.100001.2.': { '2.1': P, '2.2': P, '1.1': I, '1.2': I, '1.3': I, '1.4': I, '1.5': I, '1.6': I }, // GPKI
  '2.25.114257444380852795033498566711405700062.': { '1.1': P, '1.2': I }, // gwanmun development CA
};

/** POLICIES is the flattened table: dotted OID → 'personal' | 'institution'. */
export const POLICIES = Object.freeze(Object.fromEntries(
  Object.entries(ARCS).flatMap(([arc, m]) => Object.entries(m).map(([s, c]) => [arc + s, c])),
));

/**
 * classify returns 'personal', 'institution' or 'unknown' for a dotted
 * policy OID.
 */
export function classify(policyOid) {
  return Object.hasOwn(POLICIES, policyOid) ? POLICIES[policyOid] : 'unknown';
}
