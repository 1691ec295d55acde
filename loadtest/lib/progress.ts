/**
 * A live progress line on stderr: rewritten in place on a terminal, one line every few seconds otherwise (CI logs).
 */
export function createProgress(name: string): (line: string) => void {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  return (line: string) => {
    if (tty) {
      process.stderr.write(`\r\x1b[2K[${name}] ${line}`);
      return;
    }
    const now = Date.now();
    if (now - lastPrinted >= 5000) {
      lastPrinted = now;
      process.stderr.write(`[${name}] ${line}\n`);
    }
  };
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}
