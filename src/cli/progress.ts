/** Sparse progress on stderr for a long study: a line at every tenth of the work. */
export function progressLine(what: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const tenth = Math.floor((10 * done) / total);
    if (tenth !== shown) {
      shown = tenth;
      process.stderr.write(`${what}: ${done}/${total} runs\n`);
    }
  };
}
