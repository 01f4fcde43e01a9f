/** A statement (or a name or value meant for one) the bot will not send to Lakehouse, and why. */
export class SqlRefused extends Error {
  constructor(
    readonly sql: string,
    readonly reason: string,
  ) {
    super(`Refused before reaching Lakehouse: ${reason}`);
    this.name = 'SqlRefused';
  }
}
