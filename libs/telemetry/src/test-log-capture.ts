import type { DestinationStream } from 'pino';

export interface LogCapture {
  destination: DestinationStream;
  raw(): string;
  lines(): Record<string, unknown>[];
  clear(): void;
  /** Polls briefly: lines written on a response's 'finish' can trail the client's receipt. */
  waitForLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** A pino destination that keeps each JSON line, for assertions in specs. */
export function captureLogLines(): LogCapture {
  let chunks: string[] = [];
  const capture: LogCapture = {
    destination: { write: (chunk: string) => void chunks.push(chunk) },
    raw: () => chunks.join(''),
    lines: () => capture.raw().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    clear: () => {
      chunks = [];
    },
    async waitForLine(match) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const line = capture.lines().find(match);
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no matching log line in:\n${capture.raw()}`);
    },
  };
  return capture;
}
