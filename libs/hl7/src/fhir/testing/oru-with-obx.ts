/**
 * Builds a synthetic ORU^R01 lab result (one OBR, `obxCount` OBX) for specs and benchmarks of
 * `convertMessage`. Invented patient and values; deterministic for the same arguments.
 */

export type OruValueType = 'NM' | 'ST' | 'TX' | 'CWE' | 'SN';

export interface OruOptions {
  /** MSH-10; default `ORU-BENCH-1`. */
  readonly controlId?: string;
  /** PID-3.1 (assigning authority SYNLAB, type MR); default `BENCH-0001`. */
  readonly mrn?: string;
  /** MSH-12; default `2.5.1`. */
  readonly version?: string;
  /** OBR-3 filler order number; default `FILL-0001`. */
  readonly fillerOrderNumber?: string;
  /** OBX-2 value types used in turn; default all NM (the common lab shape). */
  readonly valueTypes?: readonly OruValueType[];
  /** Segment separator; default CR (as on the wire). */
  readonly separator?: '\r' | '\n' | '\r\n';
}

/** [LOINC code, display, UCUM unit, reference range] used in turn by NM results. */
const PANEL: readonly (readonly [string, string, string, string])[] = [
  ['6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*3/uL', '4.5-11.0'],
  ['789-8', 'Erythrocytes [#/volume] in Blood by Automated count', '10*6/uL', '4.2-5.9'],
  ['718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', '13.5-17.5'],
  ['4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', '%', '41-53'],
  ['787-2', 'MCV [Entitic volume] by Automated count', 'fL', '80-100'],
  ['777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL', '150-400'],
  ['2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'mg/dL', '70-99'],
  ['2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L', '136-145'],
  ['2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', '3.5-5.1'],
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', '0.7-1.3'],
];

function obx(index: number, valueType: OruValueType): string {
  const [code, display, unit, range] = PANEL[index % PANEL.length];
  const setId = index + 1;
  const value = (10 + ((index * 37) % 90) / 10).toFixed(1);
  const base = `OBX|${setId}|${valueType}|${code}^${display}^LN`;
  const tail = `|||F|||20240105083000-0600||||||||||Synthetic Lab^L^^^^SYN^XX`;
  switch (valueType) {
    case 'NM':
      return `${base}||${value}|${unit}^${unit}^UCUM|${range}|${Number(value) > 15 ? 'H' : 'N'}${tail}`;
    case 'ST':
      return `${base}||Specimen slightly hemolyzed|||N${tail}`;
    case 'TX':
      return `${base}||Line one of the comment~Line two of the comment|||N${tail}`;
    case 'CWE':
      return `${base}||260385009^Negative^SCT|||N${tail}`;
    case 'SN':
      return `${base}||>^${value}|${unit}^${unit}^UCUM|${range}|H${tail}`;
  }
}

/** A synthetic ORU^R01 with one OBR and `obxCount` OBX segments. */
export function buildOru(obxCount: number, options: OruOptions = {}): string {
  const {
    controlId = 'ORU-BENCH-1',
    mrn = 'BENCH-0001',
    version = '2.5.1',
    fillerOrderNumber = 'FILL-0001',
    valueTypes = ['NM'],
    separator = '\r',
  } = options;
  const segments = [
    `MSH|^~\\&|SYNLIS|SYNLAB|SWITCHBOARD|SB|20240105090000-0600||ORU^R01^ORU_R01|${controlId}|P|${version}|||AL|NE`,
    `PID|1||${mrn}^^^SYNLAB^MR||Benchmark^Bailey^B||19750615|U|||100 Synthetic Rd^^Testville^TX^75001^USA^H||^PRN^PH^^1^555^0100000`,
    'PV1|1|O|LAB^^^SYNLAB||||4321^Orderer^Olivia^^^Dr||||||||||||VIS-0001^^^SYNLAB^VN',
    `ORC|RE|PLAC-0001^SYNEHR|${fillerOrderNumber}^SYNLAB`,
    `OBR|1|PLAC-0001^SYNEHR|${fillerOrderNumber}^SYNLAB|58410-2^CBC panel - Blood by Automated count^LN|||20240105080000-0600|||||||||4321^Orderer^Olivia^^^Dr||||||20240105083500-0600|||F`,
  ];
  for (let i = 0; i < obxCount; i++) segments.push(obx(i, valueTypes[i % valueTypes.length]));
  return segments.join(separator);
}
