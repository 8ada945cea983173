import { MllpDecoder, type MllpDecoderEvent } from './mllp-decoder';
import { frame } from './mllp-encoder';

const VT = Buffer.from([0x0b]);
const TRAILER = Buffer.from([0x1c, 0x0d]);
const msg = (n: number): string => `MSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTRL${n}|P|2.5.1\rPID|1||${n}\r`;
const frames = (events: MllpDecoderEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'frame' ? [e.payload.toString('utf8')] : []));
const kinds = (events: MllpDecoderEvent[]): string[] => events.map((e) => e.kind);

function feedAll(decoder: MllpDecoder, chunks: Buffer[]): MllpDecoderEvent[] {
  return chunks.flatMap((c) => decoder.feed(c));
}

function splitEvery(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('MllpDecoder', () => {
  const three = Buffer.concat([frame(msg(1)), frame(msg(2)), frame(msg(3))]);

  it.each([
    ['one byte at a time', 1],
    ['two bytes at a time (splits trailers both ways)', 2],
    ['seven bytes at a time', 7],
    ['one chunk (the case @medplum/hl7 dropped 2 of 3)', three.length],
  ])('decodes exactly 3 frames from a 3-message stream fed %s', (_name, size) => {
    const decoder = new MllpDecoder();
    const events = feedAll(decoder, splitEvery(three, size));
    expect(frames(events)).toEqual([msg(1), msg(2), msg(3)]);
    expect(kinds(events)).toEqual(['frame', 'frame', 'frame']);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.stats).toMatchObject({ framesDecoded: 3, ignoredBytes: 0, discardedBytes: 0 });
  });

  it.each<[string, Buffer[], string[], string[], Partial<Record<string, number>>]>([
    [
      'junk before, between and after frames is ignored and counted',
      [Buffer.from('xx'), frame('A'), Buffer.from('\n\r\n'), frame('B'), Buffer.from('zz')],
      ['A', 'B'],
      ['frame', 'frame'],
      { ignoredBytes: 7 },
    ],
    [
      'a trailer split across chunks',
      [Buffer.concat([VT, Buffer.from('A'), Buffer.from([0x1c])]), Buffer.from([0x0d])],
      ['A'],
      ['frame'],
      {},
    ],
    [
      'FS not followed by CR is payload data',
      [Buffer.concat([VT, Buffer.from('A'), Buffer.from([0x1c]), Buffer.from('B'), TRAILER])],
      ['A\x1cB'],
      ['frame'],
      {},
    ],
    [
      'FS then CR split over chunks with FS data before',
      [Buffer.concat([VT, Buffer.from([0x1c])]), Buffer.from([0x1c]), Buffer.from([0x0d])],
      ['\x1c'],
      ['frame'],
      {},
    ],
    [
      'FS FS CR: the first FS is data',
      [Buffer.concat([VT, Buffer.from('A'), Buffer.from([0x1c, 0x1c, 0x0d])])],
      ['A\x1c'],
      ['frame'],
      {},
    ],
    [
      'missing trailer followed by a new frame: the partial frame is reported, the next decoded',
      [Buffer.concat([VT, Buffer.from('partial')]), frame('B')],
      ['B'],
      ['incomplete', 'frame'],
      { incompleteFrames: 1, discardedBytes: 7 },
    ],
    [
      'FS then a new start block: partial frame with its FS is dropped',
      [Buffer.concat([VT, Buffer.from('ab'), Buffer.from([0x1c])]), frame('C')],
      ['C'],
      ['incomplete', 'frame'],
      { incompleteFrames: 1, discardedBytes: 3 },
    ],
    ['an empty frame', [frame('')], [''], ['frame'], {}],
    ['a trailer outside any frame is junk', [TRAILER, frame('A')], ['A'], ['frame'], { ignoredBytes: 2 }],
  ])('%s', (_name, chunks, expectedFrames, expectedKinds, expectedStats) => {
    for (const size of [Infinity, 1]) {
      const decoder = new MllpDecoder();
      const input = size === Infinity ? chunks : splitEvery(Buffer.concat(chunks), size);
      const events = feedAll(decoder, input);
      expect(frames(events)).toEqual(expectedFrames);
      expect(kinds(events)).toEqual(expectedKinds);
      expect(decoder.stats).toMatchObject(expectedStats);
    }
  });

  it('reports the discarded size of an incomplete frame', () => {
    const events = new MllpDecoder().feed(Buffer.concat([VT, Buffer.from('abcd'), frame('x')]));
    expect(events[0]).toEqual({ kind: 'incomplete', reason: 'new_start_block', discardedBytes: 4 });
  });

  it('reports a frame left open when the stream ends', () => {
    const decoder = new MllpDecoder();
    decoder.feed(Buffer.concat([VT, Buffer.from('abc'), Buffer.from([0x1c])]));
    expect(decoder.end()).toEqual([{ kind: 'incomplete', reason: 'end_of_stream', discardedBytes: 4 }]);
    expect(decoder.end()).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  describe('maximum frame size', () => {
    const big = 'x'.repeat(100);

    it.each([
      ['one chunk', Infinity],
      ['byte by byte', 1],
      ['13-byte chunks', 13],
    ])('reports oversize once, discards to the next start block, then decodes normally (%s)', (_name, size) => {
      const decoder = new MllpDecoder({ maxFrameBytes: 50 });
      const stream = Buffer.concat([frame(big), Buffer.from('junk'), frame('ok'), frame('y'.repeat(50))]);
      const events = feedAll(decoder, size === Infinity ? [stream] : splitEvery(stream, size));
      expect(kinds(events)).toEqual(['oversize', 'frame', 'frame']);
      expect(events[0]).toEqual({ kind: 'oversize', maxFrameBytes: 50 });
      expect(frames(events)).toEqual(['ok', 'y'.repeat(50)]);
      expect(decoder.stats).toMatchObject({ oversizeFrames: 1, framesDecoded: 2, ignoredBytes: 0, discardedBytes: 106 });
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('never buffers more than the limit while discarding', () => {
      const decoder = new MllpDecoder({ maxFrameBytes: 1024 });
      decoder.feed(VT);
      let peak = 0;
      for (let i = 0; i < 100; i++) {
        decoder.feed(Buffer.alloc(1000, 0x41));
        peak = Math.max(peak, decoder.bufferedBytes);
      }
      expect(peak).toBeLessThanOrEqual(1024);
      expect(decoder.bufferedBytes).toBe(0);
      expect(decoder.stats.oversizeFrames).toBe(1);
    });

    it('uses 10 MiB by default and rejects nonsense limits', () => {
      expect(new MllpDecoder().maxFrameBytes).toBe(10 * 1024 * 1024);
      expect(() => new MllpDecoder({ maxFrameBytes: 0 })).toThrow(RangeError);
    });
  });

  it('keeps the buffer empty while 50 MiB of junk arrive without a start block', () => {
    const decoder = new MllpDecoder();
    const junk = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 50; i++) {
      expect(decoder.feed(junk)).toEqual([]);
      expect(decoder.bufferedBytes).toBe(0);
    }
    expect(decoder.stats.ignoredBytes).toBe(50 * 1024 * 1024);
  });

  it('stays linear on a chunk full of FS data bytes', () => {
    const decoder = new MllpDecoder();
    const started = process.hrtime.bigint();
    const events = decoder.feed(Buffer.concat([VT, Buffer.alloc(2_000_000, 0x1c), TRAILER]));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(kinds(events)).toEqual(['frame']);
    // Generous bound: a quadratic scan of 2 MB would take minutes.
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('copies bytes it holds, so a caller reusing its chunk buffer cannot corrupt a frame', () => {
    const decoder = new MllpDecoder();
    const chunk = Buffer.concat([VT, Buffer.from('abc')]);
    decoder.feed(chunk);
    chunk.fill(0x5a);
    expect(frames(decoder.feed(Buffer.concat([Buffer.from('d'), TRAILER])))).toEqual(['abcd']);
  });

  it('never throws on arbitrary bytes', () => {
    const decoder = new MllpDecoder({ maxFrameBytes: 64 });
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.from(Array.from({ length: rand() % 40 }, () => [0x0b, 0x1c, 0x0d, 0x41][rand() % 4]!));
      expect(() => decoder.feed(chunk)).not.toThrow();
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(64);
    }
  });
});

describe('frame', () => {
  it('wraps a payload in VT … FS CR', () => {
    expect(frame('AB')).toEqual(Buffer.from([0x0b, 0x41, 0x42, 0x1c, 0x0d]));
    expect(frame(Buffer.from('é'))).toEqual(Buffer.from([0x0b, 0xc3, 0xa9, 0x1c, 0x0d]));
  });

  it('refuses payloads that would break framing', () => {
    expect(() => frame('a\x1cb')).toThrow(RangeError);
    expect(() => frame('a\x0bb')).toThrow(RangeError);
  });
});
