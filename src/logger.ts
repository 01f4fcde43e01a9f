/**
 * Structured logging (pino). Secrets never reach the log: token-bearing fields are redacted
 * wherever they appear, and the Studio client never passes headers to the logger.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACTED_PATHS = [
  'accessToken',
  'token',
  'password',
  '*.accessToken',
  '*.token',
  '*.password',
  'headers["x-clickzetta-token"]',
  '*.headers["x-clickzetta-token"]',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'studio-ops-bot' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

export type { Logger };
