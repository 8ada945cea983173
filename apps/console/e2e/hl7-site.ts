/**
 * A hospital's interface engine, for the HL7 journeys: synthetic ORU^R01 results
 * (made-up patients, recorded as needles by the caller) sent over MLLP to the
 * stack's listener, each after the previous ACK (libs/testing's sender, compiled
 * by `npm run build` like the global setup's helpers).
 */
import { join, resolve } from 'node:path';
import { stack } from './fixtures';

const ROOT = resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sendMllpMessages } = require(join(ROOT, 'dist', 'libs', 'testing', 'src', 'mllp-peer.js')) as {
  sendMllpMessages: (port: number, messages: readonly string[], host?: string) => Promise<string[]>;
};

/** Sends `messages` to the stack's MLLP port; the ACKs, in order. */
export const sendHl7 = (messages: readonly string[]): Promise<string[]> => sendMllpMessages(stack.mllpPort, messages);

export interface OruOptions {
  application: string;
  facility: string;
  controlId: string;
  mrn: string;
  family: string;
  given: string;
  /** Where the site puts its MRN: PID-3 (standard) or PID-2 (older sites' "external id"). */
  mrnField?: 2 | 3;
  /** OBX-3 as CE: code^text^system. */
  code?: string;
  value?: string;
}

/** An HL7 DTM (UTC). */
const dtm = (d = new Date()): string => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;

/** A lab result for one patient: MSH (accept ACK always, application ACK never), PID, OBR, one numeric OBX. */
export function oru(o: OruOptions): string {
  const id = `${o.mrn}^^^${o.facility}^MR`;
  const pid = o.mrnField === 2 ? `PID|1|${id}||` : `PID|1||${id}|`;
  return [
    `MSH|^~\\&|${o.application}|${o.facility}|SWITCHBOARD|SB|${dtm()}||ORU^R01^ORU_R01|${o.controlId}|P|2.5.1|||AL|NE`,
    `${pid}|${o.family}^${o.given}||19800214|F`,
    `OBR|1|PLAC-${o.controlId}^SYNEHR|FILL-${o.controlId}^SYNLAB|GLUPANEL^Glucose panel^L|||${dtm()}|||||||||4321^Orderer^Olivia^^^Dr||||||${dtm()}|||F`,
    `OBX|1|NM|${o.code ?? 'GLU^Glucose^L'}||${o.value ?? '98'}|mg/dL|70-99|N|||F|||${dtm()}`,
  ].join('\r');
}

/** MSA-1 of an ACK (AA, AE, AR, CA…). */
export const ackCode = (ack: string): string | undefined => ack.split(/\r/).find((s) => s.startsWith('MSA|'))?.split('|')[1];
