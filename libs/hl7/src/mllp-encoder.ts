/** MLLP start block (VT), per HL7 v2.x MLLP (Appendix C). */
export const MLLP_START_BLOCK = 0x0b;
/** MLLP end block (FS), per HL7 v2.x MLLP (Appendix C). */
export const MLLP_END_BLOCK = 0x1c;
/** MLLP trailer carriage return, per HL7 v2.x MLLP (Appendix C). */
export const MLLP_CARRIAGE_RETURN = 0x0d;

/**
 * Wraps an HL7 payload in an MLLP block: `<VT> payload <FS><CR>`.
 * Strings are encoded as UTF-8; pass a Buffer to use another character set.
 *
 * Throws a RangeError when the payload contains a start or end block byte: the
 * peer would split the block there, so sending it would corrupt the stream
 * (HL7 v2.x MLLP (Appendix C), https://www.hl7.org/implement/standards/product_brief.cfm?product_id=55).
 */
export function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.includes(MLLP_START_BLOCK) || body.includes(MLLP_END_BLOCK)) {
    throw new RangeError('MLLP payload contains a start or end block byte');
  }
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = MLLP_START_BLOCK;
  body.copy(out, 1);
  out[body.length + 1] = MLLP_END_BLOCK;
  out[body.length + 2] = MLLP_CARRIAGE_RETURN;
  return out;
}
