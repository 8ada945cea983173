import { randomBytes } from 'node:crypto';
import { Hl7ErrorCode } from './hl7-ack';
import { hl7ErrorMeaning } from './hl7-error-meanings';
import { PatientIdentifierHasher, patientIdentifierValuesOf } from './patient-lookup';

// Synthetic message (no real people).
const msh = 'MSH|^~\\&|ADT1|HOSP|SB|GW|20261120101500||ADT^A40^ADT_A39|c1|P|2.5.1';
const merge = [msh, 'EVN|A40', 'PID|1|EXT-1|MRN-1^^^HOSP^MR~123-45-6789^^^SSA^SS~^^^HOSP^PI|ALT-1|Synthetic^Person', 'MRG|OLD-1^^^HOSP^MR|OLD-ALT|ACCT-NOT-AN-ID'].join('\r');

describe('patientIdentifierValuesOf', () => {
  it('collects every identifier value of PID-2/3/4 and MRG, normalized, skipping empty repetitions', () => {
    expect(patientIdentifierValuesOf(merge, {}).sort()).toEqual(['123-45-6789', 'ALT-1', 'EXT-1', 'MRN-1', 'OLD-1', 'OLD-ALT'].sort());
  });

  it('applies the dialect’s field overrides first', () => {
    const moved = [msh, 'PID|1||||Synthetic^Person|||||||||||||ZZ-9^^^HOSP^MR'].join('\r');
    expect(patientIdentifierValuesOf(moved, {})).toEqual([]);
    expect(patientIdentifierValuesOf(moved, { fieldOverrides: [{ from: 'PID-18', target: 'PID-3' }] })).toEqual(['ZZ-9']);
  });

  it('gives nothing for a message without a readable header', () => {
    expect(patientIdentifierValuesOf('not hl7', {})).toEqual([]);
  });
});

describe('PatientIdentifierHasher', () => {
  const hasher = new PatientIdentifierHasher(randomBytes(32));

  it('is stable per tenant and ignores case and surrounding blanks', () => {
    expect(hasher.hash('t1', 'mrn-1 ')).toBe(hasher.hash('t1', 'MRN-1'));
    expect(hasher.hash('t1', 'MRN-1')).not.toBe(hasher.hash('t1', 'MRN-2'));
  });

  it('keys by tenant and master key, and never contains the value', () => {
    expect(hasher.hash('t1', 'MRN-1')).not.toBe(hasher.hash('t2', 'MRN-1'));
    expect(new PatientIdentifierHasher(randomBytes(32)).hash('t1', 'MRN-1')).not.toBe(hasher.hash('t1', 'MRN-1'));
    const hashes = hasher.hashesOf('t1', merge, {});
    expect(hashes).toHaveLength(6);
    for (const h of hashes) {
      expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const value of ['MRN-1', '123-45-6789', 'OLD-ALT']) expect(h).not.toContain(value);
    }
  });
});

describe('hl7ErrorMeaning', () => {
  it('explains every HL7 table 0357 code and nothing unknown', () => {
    for (const code of Object.values(Hl7ErrorCode)) expect(hl7ErrorMeaning(code)).toMatch(/^\S.{20,}/);
    expect(hl7ErrorMeaning('999')).toBeNull();
    expect(hl7ErrorMeaning(null)).toBeNull();
  });
});
