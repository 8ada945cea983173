const MAX_FRAMES = 20;

/**
 * The `at …` lines of a stack trace. The header line(s) repeat the error message,
 * which may carry user input, so only frames (code locations) are kept.
 */
export function stackFrames(stack: unknown): string[] {
  if (typeof stack !== 'string') return [];
  return stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, MAX_FRAMES);
}
