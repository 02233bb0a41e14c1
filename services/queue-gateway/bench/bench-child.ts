/**
 * The parent ↔ benchmark-server protocol over the fork IPC channel: the child announces its URL, and
 * answers 'cpu' with its CPU time so far. CPU time per request is the figure that survives a busy
 * machine; requests per second move with whatever else runs.
 */
export function announce(url: string, onClose: () => void): void {
  process.on('message', (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system });
    }
  });
  process.send?.({ url });
  process.once('disconnect', onClose);
}
