/** A business error as Studio answers it: HTTP 200 with a non-zero envelope code. */
export class SandboxBusinessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
