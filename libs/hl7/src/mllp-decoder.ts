import { MLLP_CARRIAGE_RETURN, MLLP_END_BLOCK, MLLP_START_BLOCK } from './mllp-encoder';

/** Largest payload accepted by default: generous for embedded documents, small enough to bound a connection's memory. */
export const DEFAULT_MAX_FRAME_BYTES = 10 * 1024 * 1024;

/** Why a partly received frame was dropped. */
export type MllpIncompleteReason = 'new_start_block' | 'end_of_stream';

/** What {@link MllpDecoder.feed} found in a chunk, in stream order. */
export type MllpDecoderEvent =
  /** A complete block: the bytes between the start block and the `<FS><CR>` trailer. */
  | { readonly kind: 'frame'; readonly payload: Buffer }
  /** A frame was dropped before its trailer: another start block arrived, or the stream ended. */
  | { readonly kind: 'incomplete'; readonly reason: MllpIncompleteReason; readonly discardedBytes: number }
  /** A frame grew past `maxFrameBytes`; it is dropped and bytes are skipped up to the next start block. */
  | { readonly kind: 'oversize'; readonly maxFrameBytes: number };

/** Running totals for logs and metrics: counts only, never content. */
export interface MllpDecoderStats {
  readonly framesDecoded: number;
  readonly incompleteFrames: number;
  readonly oversizeFrames: number;
  /** Bytes seen outside any frame (before a start block or after a trailer). */
  readonly ignoredBytes: number;
  /** Bytes of frames that were dropped (incomplete or oversize), trailers included. */
  readonly discardedBytes: number;
}

export interface MllpDecoderOptions {
  /** Payload size above which a frame is dropped; defaults to {@link DEFAULT_MAX_FRAME_BYTES}. */
  readonly maxFrameBytes?: number;
}

type DecoderState = 'idle' | 'in_frame' | 'discarding';

const END_BLOCK_BYTE = Buffer.from([MLLP_END_BLOCK]);
const RETAINED_STAGING_BYTES = 64 * 1024;

/**
 * Incremental MLLP block decoder for one connection: feed it socket chunks as they
 * arrive, get back the complete frames. It never throws on malformed input and holds at
 * most `maxFrameBytes` of payload.
 *
 * Follows HL7 v2.x MLLP (Appendix C) (block format `<VT> data <FS><CR>`),
 * https://www.hl7.org/implement/standards/product_brief.cfm?product_id=55. Recovery
 * rules where the standard is silent: a start block inside a frame abandons that frame
 * (the sender gave up on it and started again); an `<FS>` not followed by `<CR>` is data.
 */
export class MllpDecoder {
  readonly maxFrameBytes: number;
  private state: DecoderState = 'idle';
  /**
   * The frame in progress, copied out of the caller's chunks: one growable buffer rather
   * than a list of slices, because byte-by-byte input would otherwise cost an object per
   * byte, and a caller reusing its chunk buffers could corrupt a held slice.
   */
  private staging: Buffer = Buffer.alloc(0);
  private size = 0;
  /** An `<FS>` ended the previous chunk: it is a trailer only if `<CR>` comes next. */
  private pendingEndBlock = false;
  private counters = { framesDecoded: 0, incompleteFrames: 0, oversizeFrames: 0, ignoredBytes: 0, discardedBytes: 0 };

  constructor(options: MllpDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('maxFrameBytes must be a positive integer');
    this.maxFrameBytes = max;
  }

  /** Payload bytes currently held for the frame in progress. */
  get bufferedBytes(): number {
    return this.size;
  }

  get stats(): MllpDecoderStats {
    return { ...this.counters };
  }

  /** Consumes one chunk; returns what it completed, in order. */
  feed(chunk: Buffer): MllpDecoderEvent[] {
    const events: MllpDecoderEvent[] = [];
    const n = chunk.length;
    // Cached positions of the next start/end block byte: each byte is scanned at most once
    // per kind, so a chunk full of <FS> data bytes costs O(n), not O(n²).
    let nextStart = -2;
    let nextEnd = -2;
    const findStart = (from: number): number => {
      if (nextStart !== -1 && nextStart < from) nextStart = chunk.indexOf(MLLP_START_BLOCK, from);
      return nextStart;
    };
    const findEnd = (from: number): number => {
      if (nextEnd !== -1 && nextEnd < from) nextEnd = chunk.indexOf(MLLP_END_BLOCK, from);
      return nextEnd;
    };
    let i = 0;
    while (i < n) {
      if (this.state !== 'in_frame') {
        const start = findStart(i);
        const skipped = (start === -1 ? n : start) - i;
        if (this.state === 'idle') this.counters.ignoredBytes += skipped;
        else this.counters.discardedBytes += skipped;
        if (start === -1) break;
        this.beginFrame();
        i = start + 1;
        continue;
      }

      if (this.pendingEndBlock) {
        this.pendingEndBlock = false;
        if (chunk[i] === MLLP_CARRIAGE_RETURN) {
          events.push(this.completeFrame());
          i += 1;
          continue;
        }
        if (!this.append(END_BLOCK_BYTE, events)) continue;
      }

      const start = findStart(i);
      const end = findEnd(i);
      const stop = start === -1 ? (end === -1 ? n : end) : end === -1 ? start : Math.min(start, end);
      if (stop > i && !this.append(chunk.subarray(i, stop), events)) {
        // Now discarding: the loop resumes at `stop`, which may be the next start block.
        i = stop;
        continue;
      }
      if (stop === n) break;
      if (chunk[stop] === MLLP_START_BLOCK) {
        events.push(this.abandonFrame('new_start_block'));
        this.beginFrame();
      } else {
        this.pendingEndBlock = true;
      }
      i = stop + 1;
    }
    return events;
  }

  /** Call when the connection closes: reports a frame left without its trailer. */
  end(): MllpDecoderEvent[] {
    if (this.state === 'in_frame') return [this.abandonFrame('end_of_stream')];
    this.state = 'idle';
    return [];
  }

  private beginFrame(): void {
    this.state = 'in_frame';
    this.size = 0;
    this.pendingEndBlock = false;
  }

  /** Returns false when the frame overflowed and was dropped. */
  private append(part: Buffer, events: MllpDecoderEvent[]): boolean {
    if (this.size + part.length > this.maxFrameBytes) {
      this.counters.oversizeFrames += 1;
      this.counters.discardedBytes += this.size + part.length;
      this.clear('discarding');
      events.push({ kind: 'oversize', maxFrameBytes: this.maxFrameBytes });
      return false;
    }
    const needed = this.size + part.length;
    if (needed > this.staging.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxFrameBytes, Math.max(needed, this.staging.length * 2, 4096)));
      this.staging.copy(grown, 0, 0, this.size);
      this.staging = grown;
    }
    part.copy(this.staging, this.size);
    this.size = needed;
    return true;
  }

  private completeFrame(): MllpDecoderEvent {
    const payload = Buffer.from(this.staging.subarray(0, this.size));
    this.counters.framesDecoded += 1;
    this.clear('idle');
    return { kind: 'frame', payload };
  }

  private abandonFrame(reason: MllpIncompleteReason): MllpDecoderEvent {
    const discardedBytes = this.size + (this.pendingEndBlock ? 1 : 0);
    this.counters.incompleteFrames += 1;
    this.counters.discardedBytes += discardedBytes;
    this.clear('idle');
    return { kind: 'incomplete', reason, discardedBytes };
  }

  private clear(next: DecoderState): void {
    this.state = next;
    // An idle connection should not pin the memory of the largest frame it once carried.
    if (this.staging.length > RETAINED_STAGING_BYTES) this.staging = Buffer.alloc(0);
    this.size = 0;
    this.pendingEndBlock = false;
  }
}
