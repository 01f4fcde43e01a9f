/**
 * Small Block Kit helpers. Each clips its text to Slack's limits (visibly, with "…"), so no builder
 * can produce a block Slack rejects; `finishMessage` caps the block count and the total size.
 */
import type { ActionsBlock, Button, ContextBlock, DividerBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { redact } from '../redaction/index.js';
import { LIMITS, clip, roomToGrow } from './limits.js';

export type Block = KnownBlock;

export interface Message {
  text: string;
  blocks: Block[];
}

/** Escape text for mrkdwn: `&`, `<` and `>` are control characters there. */
export function esc(text: string | number | undefined | null): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * `esc`, keeping the user mentions (`<@U…>`) that the bot's own messages use to name people
 * ("Already done by <@U…>"): Slack shows them as names. No other Slack markup survives
 * (`<!channel>`, links, `<#C…>`).
 */
export function escKeepingMentions(text: string | undefined | null): string {
  return esc(text).replace(/&lt;@([UW][A-Z0-9]{2,20})&gt;/g, '<@$1>');
}

/**
 * Text shown as inline code. A backtick inside it would end the code early (Slack has no escape for
 * one), so it is shown as a look-alike (ˋ, U+02CB); the rest is escaped as `esc` does.
 */
export function inlineCode(text: string | number | undefined | null): string {
  return `\`${esc(String(text ?? '').replace(/`/g, 'ˋ'))}\``;
}

/** Text as Slack delivers it (slash command text, message text: `&`, `<`, `>` escaped) back to what was typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function link(url: string, label: string): string {
  return `<${url}|${esc(label).replace(/\|/g, '¦')}>`;
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function section(text: string, accessory?: Button): SectionBlock {
  const block: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: clip(text, LIMITS.sectionText) } };
  if (accessory) block.accessory = accessory;
  return block;
}

export function fields(items: string[], text?: string): SectionBlock {
  const block: SectionBlock = {
    type: 'section',
    fields: items.slice(0, LIMITS.sectionFields).map((f) => ({ type: 'mrkdwn', text: clip(f, LIMITS.fieldText) })),
  };
  if (text) block.text = { type: 'mrkdwn', text: clip(text, LIMITS.sectionText) };
  return block;
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn', text: clip(t, LIMITS.sectionText) })) };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny?: string };
}

export function button(b: ButtonSpec): Button {
  const out: Button = { type: 'button', text: { type: 'plain_text', text: clip(b.text, LIMITS.buttonText), emoji: true }, action_id: clip(b.actionId, LIMITS.actionId) };
  if (b.value !== undefined) {
    if (b.value.length > LIMITS.buttonValue) throw new RangeError(`button value of ${b.value.length} characters is over Slack's ${LIMITS.buttonValue}`);
    out.value = b.value;
  }
  if (b.url) out.url = b.url.slice(0, LIMITS.url);
  if (b.style) out.style = b.style;
  if (b.confirm) {
    out.confirm = {
      title: { type: 'plain_text', text: clip(b.confirm.title, 100) },
      text: { type: 'mrkdwn', text: clip(b.confirm.text, 300) },
      confirm: { type: 'plain_text', text: clip(b.confirm.confirm, 30) },
      deny: { type: 'plain_text', text: clip(b.confirm.deny ?? 'Cancel', 30) },
    };
  }
  return out;
}

export function actions(buttons: Button[], blockId?: string): ActionsBlock {
  const block: ActionsBlock = { type: 'actions', elements: buttons.slice(0, LIMITS.actionsElements) };
  if (blockId) block.block_id = clip(blockId, LIMITS.blockId);
  return block;
}

/** A code block of preformatted text, split over several sections when long. */
export function codeBlocks(text: string, maxBlocks = 3): SectionBlock[] {
  const budget = LIMITS.sectionText - 8;
  const body = esc(text.replace(/```/g, "'''"));
  const out: SectionBlock[] = [];
  let rest = body;
  while (rest.length > 0 && out.length < maxBlocks) {
    let piece = rest.slice(0, budget);
    if (piece.length === budget) {
      const cut = piece.lastIndexOf('\n');
      if (cut > budget / 2) piece = piece.slice(0, cut);
    }
    out.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${piece}\`\`\`` } });
    rest = rest.slice(piece.length).replace(/^\n/, '');
  }
  if (rest.length > 0 && out.length > 0) {
    const last = out[out.length - 1]!;
    (last.text as { text: string }).text = `${clip((last.text as { text: string }).text.replace(/```$/, ''), LIMITS.sectionText - 30)}\n… (more below: use Next)\`\`\``;
  }
  if (out.length === 0) out.push(section('_(empty)_'));
  return out;
}

/**
 * The final message: at most 50 blocks and about 12k characters of JSON. What does not fit is
 * dropped from the end and replaced by a visible note saying how much was left out.
 */
/**
 * The boundary every message and view passes on its way to Slack: each displayed string (`text`
 * of text objects, fields, elements, confirm dialogs, the fallback) is redacted, so no view can
 * forget a secret that came from Studio. A redaction that lengthens a text keeps it within the limit it kept.
 */
export function redactTexts<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => redactTexts(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'text' && typeof x === 'string') {
        const r = redact(x);
        out[k] = r.length > x.length ? clip(r, roomToGrow(x.length)) : r;
      } else out[k] = redactTexts(x);
    }
    return out as T;
  }
  return v;
}

export function finishMessage(text: string, blocks: Block[], moreHint = 'narrow the query to see the rest'): Message {
  // The fallback shows in notifications as mrkdwn: escaped, so nothing in it can ping (<!channel>) or link.
  const fallback = clip(esc(redact(text)), LIMITS.fallbackText);
  blocks = redactTexts(blocks);
  let kept = blocks.slice(0, LIMITS.messageBlocks);
  const size = (bs: Block[]) => JSON.stringify(bs).length;
  const noteFor = (n: number) => context(`… ${n} more block${n > 1 ? 's' : ''} not shown: ${moreHint}.`);
  if (kept.length === blocks.length && size(kept) <= LIMITS.messageJsonChars) return { text: fallback, blocks: kept };
  kept = blocks.slice(0, LIMITS.messageBlocks - 1);
  while (kept.length > 0 && size([...kept, noteFor(blocks.length - kept.length)]) > LIMITS.messageJsonChars) kept.pop();
  return { text: fallback, blocks: [...kept, noteFor(blocks.length - kept.length)] };
}
