/**
 * Probes that fail against the current api, each with what it returned and why it is not fixed
 * here. The suite keeps passing while they fail; a fixed one makes its probe fail until its entry
 * is removed. Keys are probe names exactly as the test titles show them (without "[known gap]").
 */

export const KNOWN_GAPS: Readonly<Record<string, string>> = {};
