/**
 * One page of a Slack list method as Slack serves it: at most `limit` items (history's default 100,
 * at most 1,000), then `has_more` and `response_metadata.next_cursor` to ask for the next page with
 * `cursor` (an opaque string; here the offset). Shared by the playground and the tests' fake Slack.
 */
export function slackPage<T>(items: T[], args: Record<string, unknown>): { ok: true; messages: T[]; has_more: boolean; response_metadata: { next_cursor: string } } {
  const limit = Math.min(1000, Math.max(1, Number(args.limit ?? 100) || 100));
  const from = args.cursor
    ? Number(
        Buffer.from(String(args.cursor), 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      ) || 0
    : 0;
  const page = items.slice(from, from + limit);
  const more = from + limit < items.length;
  return { ok: true, messages: page, has_more: more, response_metadata: { next_cursor: more ? Buffer.from(`offset:${from + limit}`).toString('base64') : '' } };
}
