/** Wait until `fn` gives a value (anything but undefined or false), polling; fail naming what was awaited. */
export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what: string = String(fn)): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
