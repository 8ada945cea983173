/**
 * Bad HL7 v2 over MLLP to the mllp process: seeded mutations of a valid ADT^A01 (delimiters,
 * truncation, missing MSH fields, binary junk, control characters, shuffled segments, line
 * endings), oversize and random frames, unknown senders, enhanced-mode senders, incomplete
 * frames and resends. Each complete frame must be answered — AE/AR (CE/CR in enhanced mode)
 * or AA/CA — within the timeout on its own socket; what got AA/CA is checked afterwards to be
 * in the message log exactly once (the `accepted` list).
 */
import { frame, MLLP_END_BLOCK, MLLP_START_BLOCK, MllpDecoder, parseHeader, segments } from '@sb/hl7';
import { connect, type Socket } from 'node:net';
import { CASE_TIMEOUT_MS, type FuzzCase, type Verdict } from './fuzz-runner';
import { NASTY_CHARACTERS, type Random } from './prng';

export interface Hl7Target {
  port: number;
  /** MSH-4 of the hl7v2 connection in original ACK mode, and of the one in enhanced mode. */
  facility: string;
  enhancedFacility: string;
  /** SB_MLLP_MAX_MESSAGE_BYTES the mllp process runs with. */
  maxFrameBytes: number;
}

/** A message that got a positive ACK: it must be in its connection's log exactly once. */
export interface AcceptedMessage {
  facility: string;
  controlId: string;
  label: string;
}

const BLOCK_BYTES = [MLLP_START_BLOCK, MLLP_END_BLOCK];

/** A valid ADT^A01 (synthetic patient). */
export function admit(facility: string, controlId: string, opts: { acceptAck?: string } = {}): string {
  return [
    `MSH|^~\\&|FUZZAPP|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1|||${opts.acceptAck ?? ''}|${opts.acceptAck ? 'NE' : ''}`,
    'EVN|A01|20261120101500',
    `PID|1||FZ${controlId.slice(-6)}^^^HOSP^MR||Fuzzwright^Ada^Q||19700101|F|||1 Test St^^Springfield^IL^62701`,
    'PV1|1|I|WARD^101^1||||1234^Smith^Jane^^^Dr|||MED||||||||V1|||||||||||||||||||||||||20261120100000',
  ].join('\r');
}

/** One socket: writes, then waits for the first ACK frame (or the close) under the case timeout. */
class Peer {
  private readonly decoder = new MllpDecoder();
  private readonly acks: string[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const e of this.decoder.feed(chunk)) if (e.kind === 'frame') this.acks.push(e.payload.toString('utf8'));
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Peer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The `n`th ACK (1-based), or 'closed' / 'timeout'. */
  async ack(n: number, timeoutMs = CASE_TIMEOUT_MS - 2_000): Promise<string | 'closed' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < n) {
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.acks[n - 1]!;
  }

  get received(): number {
    return this.acks.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

const msaOf = (ack: string): string[] => segments(ack).find((s) => s[0] === 'MSA') ?? [];

/**
 * Classifies the answer to one complete frame. `enhanced`: the sender asked for accept ACKs
 * (C* codes); otherwise original mode (A* codes).
 */
function verdictOf(ack: string | 'closed' | 'timeout', enhanced: boolean): Verdict {
  if (ack === 'timeout') return { outcome: 'bad', status: 'no ACK (hang)' };
  if (ack === 'closed') return { outcome: 'bad', status: 'socket closed without an ACK' };
  const msa = msaOf(ack);
  const code = msa[1] ?? '';
  const err = segments(ack).find((s) => s[0] === 'ERR');
  const errCode = err?.[3]?.split('^')[0] ?? '';
  const [ok, negative] = enhanced ? [['CA'], ['CE', 'CR']] : [['AA'], ['AE', 'AR']];
  if (ok.includes(code)) return { outcome: 'accepted', status: code };
  if (negative.includes(code)) return { outcome: 'refused', status: `${code} ${errCode}`.trim() };
  // An enhanced-mode connection answers senders that did not ask for accept ACKs in original mode, and the reverse.
  if (['AA', 'CA'].includes(code)) return { outcome: 'accepted', status: code };
  if (['AE', 'AR', 'CE', 'CR'].includes(code)) return { outcome: 'refused', status: `${code} ${errCode}`.trim() };
  return { outcome: 'bad', status: `unexpected ACK: MSA-1 ${JSON.stringify(code)}` };
}

/** Mutations of a valid message, each named (the case's kind). */
function mutate(random: Random, message: string): { kind: string; detail: string; payload: Buffer } {
  const segs = message.split('\r');
  const text = (kind: string, detail: string, s: string) => ({ kind, detail, payload: Buffer.from(s, 'utf8') });
  switch (random.int(9)) {
    case 0: {
      // MSH-1 (the field separator) or one of MSH-2's encoding characters.
      const at = random.between(3, 7);
      const ch = random.pick(['#', '^', '|', '~', '\\', '&', ' ', '\u0000', 'A', '\r', '\u00e9', '']);
      return text('delimiters', `MSH char ${at} → ${JSON.stringify(ch)}`, `${message.slice(0, at)}${ch}${message.slice(at + 1)}`);
    }
    case 1: {
      const at = random.between(1, message.length - 1);
      return text('truncated', `cut at ${at}/${message.length}`, message.slice(0, at));
    }
    case 2: {
      const i = random.int(segs.length);
      const seg = segs[i]!;
      segs[i] = seg.slice(0, random.int(seg.length));
      return text('truncated-segment', `segment ${i} cut to ${segs[i]!.length} chars`, segs.join('\r'));
    }
    case 3: {
      const fields = segs[0]!.split('|');
      const field = random.between(2, 11); // fields[2] is MSH-3 … fields[11] is MSH-12
      const drop = random.chance(0.5);
      if (drop) fields.splice(field, 1);
      else fields[field] = '';
      segs[0] = fields.join('|');
      return text('missing-msh-field', `MSH-${field + 1} ${drop ? 'removed' : 'emptied'}`, segs.join('\r'));
    }
    case 4: {
      const bytes = Buffer.from(message, 'utf8');
      const n = random.between(1, 40);
      for (let k = 0; k < n; k++) bytes[random.int(bytes.length)] = random.bytes(1, BLOCK_BYTES)[0]!;
      return { kind: 'binary-junk', detail: `${n} random bytes`, payload: bytes };
    }
    case 5: {
      let s = message;
      const n = random.between(1, 8);
      for (let k = 0; k < n; k++) {
        const at = random.int(s.length);
        s = `${s.slice(0, at)}${random.pick(NASTY_CHARACTERS)}${s.slice(at)}`;
      }
      return text('control-characters', `${n} nasty characters`, s);
    }
    case 6: {
      const order = random.chance(0.5) ? [...segs].sort(() => random.next() - 0.5) : [...segs, ...segs.slice(1).filter(() => random.chance(0.5))];
      return text('segments', 'shuffled or duplicated segments', order.join('\r'));
    }
    case 7: {
      const sep = random.pick(['\n', '\r\n', '\n\r', '', '\r\r']);
      return text('line-endings', `segments joined by ${JSON.stringify(sep)}`, segs.join(sep));
    }
    default: {
      const fields = segs[2]!.split('|');
      const f = random.between(1, fields.length - 1);
      fields[f] = random.pick(['', '""', '^^^^^^^^^^', '~~~~', '\\F\\\\S\\\\X00\\\\Z99\\', '\\', 'x'.repeat(random.between(1, 60_000))]);
      segs[2] = fields.join('|');
      return text('field-values', `PID-${f} rewritten`, segs.join('\r'));
    }
  }
}

export function hl7Cases(target: Hl7Target, random: Random, accepted: AcceptedMessage[]): FuzzCase[] {
  const cases: FuzzCase[] = [];
  let n = 0;
  const controlId = () => `FZ${++n}-${random.string(6)}`;

  /** Sends `payload` as one frame on a fresh socket and classifies the ACK; positive ACKs are remembered. */
  const sendOne = async (payload: Buffer, label: string, enhanced = false): Promise<Verdict> => {
    const peer = await Peer.open(target.port);
    try {
      peer.write(frame(payload));
      const verdict = verdictOf(await peer.ack(1), enhanced);
      if (verdict.outcome === 'accepted') remember(payload, label);
      return verdict;
    } finally {
      peer.close();
    }
  };
  const remember = (payload: Buffer, label: string) => {
    const parsed = parseHeader(payload);
    if (parsed.ok) accepted.push({ facility: parsed.header.sendingFacility, controlId: parsed.header.controlId, label });
  };
  const add = (kind: string, label: string, run: () => Promise<Verdict>) => cases.push({ kind: `hl7/${kind}`, label, run });

  // ---- pinned ----------------------------------------------------------------------------
  add('valid', 'ADT^A01', () => sendOne(Buffer.from(admit(target.facility, controlId())), 'valid'));
  add('oversize', `${target.maxFrameBytes + 1} bytes`, async () => {
    const head = `${admit(target.facility, controlId())}\rNTE|1||`;
    const verdict = await sendOne(Buffer.concat([Buffer.from(head), Buffer.alloc(target.maxFrameBytes + 1 - head.length, 'x')]), 'oversize');
    return verdict.outcome === 'refused' && verdict.status.startsWith('AR') ? verdict : { outcome: 'bad', status: `oversize answered ${verdict.status}` };
  });
  add('nul-escape', 'PID-5 holding \\X00\\ (U+0000)', async () => {
    const verdict = await sendOne(Buffer.from(admit(target.facility, controlId()).replace('Fuzzwright^', 'Fuzz\\X00\\wright^')), 'PID-5 with \\X00\\');
    return verdict.outcome === 'refused' ? verdict : { outcome: 'bad', status: `a NUL escape answered ${verdict.status}, not refused at receipt` };
  });
  add('resend', 'the same message twice', async () => {
    const message = Buffer.from(admit(target.facility, controlId()));
    const first = await sendOne(message, 'resend');
    const second = await sendOne(message, 'resend (again)');
    return first.outcome === 'accepted' && second.outcome === 'accepted' ? { outcome: 'accepted', status: 'AA, AA' } : { outcome: 'bad', status: `${first.status}, ${second.status}` };
  });

  // ---- seeded ----------------------------------------------------------------------------
  for (let i = 0; i < 28; i++) {
    const { kind, detail, payload } = mutate(random, admit(target.facility, controlId()));
    add(kind, detail, () => sendOne(payload, detail));
  }
  for (let i = 0; i < 5; i++) {
    const enhancedAck = random.pick(['AL', 'ER', 'SU']);
    const { kind, detail, payload } = mutate(random, admit(target.enhancedFacility, controlId(), { acceptAck: enhancedAck }));
    add(`enhanced-${kind}`, `MSH-15 ${enhancedAck}, ${detail}`, () => sendOne(payload, detail, true));
  }
  add('enhanced-valid', 'MSH-15 AL', () => sendOne(Buffer.from(admit(target.enhancedFacility, controlId(), { acceptAck: 'AL' })), 'enhanced valid', true));
  for (let i = 0; i < 2; i++) {
    const over = random.between(1, 256 * 1024);
    add('oversize', `${target.maxFrameBytes + over} bytes${i === 1 ? ', no MSH' : ''}`, async () => {
      const head = i === 1 ? '' : `${admit(target.facility, controlId())}\rNTE|1||`;
      const verdict = await sendOne(Buffer.concat([Buffer.from(head), random.bytes(64, BLOCK_BYTES), Buffer.alloc(target.maxFrameBytes + over - head.length - 64, 'y')]), 'oversize');
      return verdict.outcome === 'refused' && verdict.status.startsWith('AR') ? verdict : { outcome: 'bad', status: `oversize answered ${verdict.status}` };
    });
  }
  add('huge-field', 'a 1.5 MB OBX-5 (under the limit)', () =>
    sendOne(Buffer.from(`${admit(target.facility, controlId())}\rOBX|1|TX|11506-3^Note^LN||${'z'.repeat(1_500_000)}||||||F`), 'huge field'),
  );
  add('many-segments', '20,000 NTE segments', () =>
    sendOne(Buffer.from(`${admit(target.facility, controlId())}\r${Array.from({ length: 20_000 }, (_, k) => `NTE|${k + 1}||n`).join('\r')}`), 'many segments'),
  );
  for (let i = 0; i < 3; i++) {
    const size = random.between(1, 4_000);
    add('random-frame', `${size} random bytes`, () => sendOne(random.bytes(size, BLOCK_BYTES), 'random frame'));
  }
  add('random-frame', 'an empty frame', () => sendOne(Buffer.alloc(0), 'empty frame'));
  for (let i = 0; i < 2; i++) {
    const facility = random.pick([random.string(12), '', 'FUZZ\\F\\X', target.facility.toLowerCase()]);
    add('unknown-sender', `MSH-4 ${JSON.stringify(facility)}`, () => sendOne(Buffer.from(admit(facility, controlId())), 'unknown sender'));
  }
  for (let i = 0; i < 3; i++) {
    const junk = random.bytes(random.between(1, 3_000), BLOCK_BYTES);
    const startBlock = random.chance(0.5);
    add('incomplete-frame', `${startBlock ? 'a start block and ' : ''}${junk.length} bytes without a trailer, then a valid frame`, async () => {
      const peer = await Peer.open(target.port);
      try {
        peer.write(startBlock ? Buffer.concat([Buffer.from([MLLP_START_BLOCK]), junk]) : junk);
        // Nothing may answer the unfinished frame; the next start block abandons it.
        await new Promise((r) => setTimeout(r, 300));
        if (peer.received > 0) return { outcome: 'bad', status: 'an unfinished frame was answered' };
        const message = Buffer.from(admit(target.facility, controlId()));
        peer.write(frame(message));
        const verdict = verdictOf(await peer.ack(1), false);
        if (verdict.outcome === 'accepted') remember(message, 'after an incomplete frame');
        return verdict.outcome === 'accepted' ? { outcome: 'other', status: 'unanswered, then AA' } : { outcome: 'bad', status: `the valid frame after it got ${verdict.status}` };
      } finally {
        peer.close();
      }
    });
  }
  add('incomplete-frame', 'a start block, 2 kB, then the sender hangs up', async () => {
    const peer = await Peer.open(target.port);
    peer.write(Buffer.concat([Buffer.from([MLLP_START_BLOCK]), Buffer.from(admit(target.facility, controlId()).slice(0, 2_000))]));
    await new Promise((r) => setTimeout(r, 200));
    const answered = peer.received;
    peer.close();
    return answered === 0 ? { outcome: 'other', status: 'unanswered, closed by the sender' } : { outcome: 'bad', status: 'an unfinished frame was answered' };
  });
  return cases;
}

/** A valid ADT^A01 on a fresh socket: the listener still answers AA (checked after each category). */
export async function probeMllp(port: number, facility: string, controlId: string): Promise<Verdict> {
  const peer = await Peer.open(port);
  try {
    peer.write(frame(admit(facility, controlId)));
    return verdictOf(await peer.ack(1, 10_000), false);
  } finally {
    peer.close();
  }
}
