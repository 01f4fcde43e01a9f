/**
 * Slack's Block Kit limits (slack-platform.md; Slack's Block Kit reference for the element rules)
 * and a checker. The builders in this folder truncate visibly to stay inside them; `checkMessage` /
 * `checkView` find any violation — sizes, and the element rules: unique `block_id` per message and
 * `action_id` per block, `plain_text` where only plain text is allowed, option counts and unique
 * values, URL lengths, `initial_date` format, confirm dialog fields — so the tests' fake Slack and
 * the playground refuse (as Slack does, `invalid_blocks`) anything the bot sends that Slack would.
 */

import { clipWholeTokens } from '../redaction/clip.js';

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  callbackId: 255,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  staticSelectOptions: 100,
  overflowOptions: 5,
  overflowMinOptions: 2,
  /** radio_buttons and checkboxes */
  choiceOptions: 10,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  altText: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  actionsElements: 25,
  viewTitle: 24,
  viewSubmit: 24,
  viewClose: 24,
  privateMetadata: 3000,
  /** Practical ceiling of a message's blocks as JSON (msg_blocks_too_long below documented limits). */
  messageJsonChars: 12_000,
  /** The notification fallback `text` of a message. */
  fallbackText: 3000,
} as const;

/** The length limits of Slack's texts, smallest first. */
const TEXT_LIMITS = [
  LIMITS.viewTitle,
  LIMITS.confirmButton,
  LIMITS.buttonText,
  LIMITS.confirmTitle,
  LIMITS.headerText,
  LIMITS.confirmText,
  LIMITS.fieldText,
  LIMITS.sectionText,
].sort((a, b) => a - b);

/**
 * How long a text of `length` characters may become (when redaction lengthens it) without breaking
 * whatever limit it kept: the smallest of Slack's text limits it is within.
 */
export function roomToGrow(length: number): number {
  return TEXT_LIMITS.find((l) => l >= length) ?? length;
}

/** `text` cut to `max` characters, ending with an ellipsis when cut (never silently). */
export function clip(text: string, max: number): string {
  // Never split a code point (a lone half of an emoji) nor a token (half a secret escapes redaction).
  return clipWholeTokens(text, max);
}

type Json = Record<string, unknown>;

function textOf(t: unknown): string {
  return t && typeof t === 'object' && 'text' in (t as Json) ? String((t as Json).text ?? '') : '';
}

/** A composition text object: `plain_text` or `mrkdwn` with text; `plainOnly` where Slack takes plain text alone. */
function checkText(t: unknown, where: string, out: string[], o: { plainOnly?: boolean; max?: number; optional?: boolean } = {}): void {
  if (t === undefined || t === null) {
    if (!o.optional) out.push(`${where}: missing`);
    return;
  }
  const obj = t as Json;
  if (typeof t !== 'object' || (obj.type !== 'plain_text' && obj.type !== 'mrkdwn')) return void out.push(`${where}: not a text object`);
  if (o.plainOnly && obj.type !== 'plain_text') out.push(`${where}: must be plain_text`);
  const text = textOf(t);
  if (text.length === 0) out.push(`${where}: empty text`);
  if (o.max !== undefined && text.length > o.max) out.push(`${where}: ${text.length} characters (max ${o.max})`);
}

function checkUrl(url: unknown, where: string, out: string[]): void {
  if (url === undefined) return;
  if (typeof url !== 'string' || !/^(https?|mailto):/i.test(url)) out.push(`${where}: not an http(s) URL`);
  else if (url.length > LIMITS.url) out.push(`${where}: url over ${LIMITS.url}`);
}

function checkConfirm(c: unknown, where: string, out: string[]): void {
  if (c === undefined) return;
  const d = c as Json;
  checkText(d.title, `${where}.title`, out, { plainOnly: true, max: LIMITS.confirmTitle });
  checkText(d.text, `${where}.text`, out, { max: LIMITS.confirmText });
  checkText(d.confirm, `${where}.confirm`, out, { plainOnly: true, max: LIMITS.confirmButton });
  checkText(d.deny, `${where}.deny`, out, { plainOnly: true, max: LIMITS.confirmButton });
  if (d.style !== undefined && d.style !== 'primary' && d.style !== 'danger') out.push(`${where}.style: ${String(d.style)}`);
}

function checkOptions(options: Json[], where: string, out: string[], plainOnly: boolean): void {
  const values = new Set<string>();
  for (const [i, o] of options.entries()) {
    checkText(o.text, `${where}.options[${i}].text`, out, { plainOnly, max: LIMITS.optionText });
    checkText(o.description, `${where}.options[${i}].description`, out, { plainOnly: true, max: LIMITS.optionDescription, optional: true });
    if (typeof o.value !== 'string' || o.value.length === 0) out.push(`${where}.options[${i}]: no value`);
    else {
      if (o.value.length > LIMITS.optionValue) out.push(`${where}.options[${i}]: value over ${LIMITS.optionValue}`);
      if (values.has(o.value)) out.push(`${where}.options[${i}]: value ${JSON.stringify(o.value)} repeated`);
      values.add(o.value);
    }
    checkUrl(o.url, `${where}.options[${i}].url`, out);
  }
}

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function checkElement(el: Json, where: string, out: string[]): void {
  const type = el.type;
  if (typeof el.action_id === 'string' && el.action_id.length > LIMITS.actionId) out.push(`${where}: action_id over ${LIMITS.actionId}`);
  checkConfirm(el.confirm, `${where}.confirm`, out);
  if (el.placeholder !== undefined) checkText(el.placeholder, `${where}.placeholder`, out, { plainOnly: true, max: LIMITS.placeholder });
  const options = (el.options as Json[] | undefined) ?? [];
  switch (type) {
    case 'button':
      checkText(el.text, `${where}.text`, out, { plainOnly: true, max: LIMITS.buttonText });
      if (typeof el.value === 'string' && el.value.length > LIMITS.buttonValue) out.push(`${where}: button value over ${LIMITS.buttonValue}`);
      checkUrl(el.url, `${where}.url`, out);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') out.push(`${where}.style: ${String(el.style)}`);
      break;
    case 'static_select':
      if (options.length === 0 && !el.option_groups) out.push(`${where}: no options`);
      if (options.length > LIMITS.staticSelectOptions) out.push(`${where}: ${options.length} select options (max ${LIMITS.staticSelectOptions})`);
      checkOptions(options, where, out, true);
      break;
    case 'overflow':
      if (options.length < LIMITS.overflowMinOptions || options.length > LIMITS.overflowOptions)
        out.push(`${where}: ${options.length} overflow options (${LIMITS.overflowMinOptions}–${LIMITS.overflowOptions})`);
      checkOptions(options, where, out, true);
      break;
    case 'radio_buttons':
    case 'checkboxes':
      if (options.length === 0 || options.length > LIMITS.choiceOptions) out.push(`${where}: ${options.length} options (1–${LIMITS.choiceOptions})`);
      checkOptions(options, where, out, false);
      break;
    case 'datepicker':
      if (el.initial_date !== undefined && (typeof el.initial_date !== 'string' || !ISO_DATE.test(el.initial_date)))
        out.push(`${where}: initial_date ${JSON.stringify(el.initial_date)} is not YYYY-MM-DD`);
      break;
    case 'plain_text_input':
      if (typeof el.initial_value === 'string' && el.initial_value.length > 3000) out.push(`${where}: initial_value over 3000`);
      break;
    case 'image':
      checkUrl(el.image_url, `${where}.image_url`, out);
      if (typeof el.alt_text !== 'string' || el.alt_text.length === 0 || el.alt_text.length > LIMITS.altText) out.push(`${where}: alt_text missing or over ${LIMITS.altText}`);
      break;
    default:
  }
  // An initial option must be one of the options.
  const initial = el.initial_option as Json | undefined;
  if (initial && !options.some((o) => o.value === initial.value)) out.push(`${where}: initial_option is not one of the options`);
}

function checkBlocks(blocks: Json[], out: string[]): void {
  const blockIds = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const where = `blocks[${i}] (${String(b.type)})`;
    if (typeof b.block_id === 'string') {
      if (b.block_id.length > LIMITS.blockId) out.push(`${where}: block_id over ${LIMITS.blockId}`);
      if (blockIds.has(b.block_id)) out.push(`${where}: block_id ${JSON.stringify(b.block_id)} repeated in this message`);
      blockIds.add(b.block_id);
    }
    // action_id unique within the block.
    const els = [...((b.elements as Json[] | undefined) ?? []), ...(b.accessory ? [b.accessory as Json] : []), ...(b.element ? [b.element as Json] : [])];
    const actionIds = new Set<string>();
    for (const e of els) {
      if (typeof e.action_id !== 'string') continue;
      if (actionIds.has(e.action_id)) out.push(`${where}: action_id ${JSON.stringify(e.action_id)} repeated in this block`);
      actionIds.add(e.action_id);
    }
    switch (b.type) {
      case 'header':
        checkText(b.text, `${where}.text`, out, { plainOnly: true, max: LIMITS.headerText });
        break;
      case 'section': {
        if (b.text !== undefined) checkText(b.text, `${where}.text`, out, { max: LIMITS.sectionText });
        const fields = (b.fields as Json[] | undefined) ?? [];
        if (fields.length > LIMITS.sectionFields) out.push(`${where}: ${fields.length} fields`);
        for (const [j, f] of fields.entries()) checkText(f, `${where}.fields[${j}]`, out, { max: LIMITS.fieldText });
        if (!b.text && fields.length === 0) out.push(`${where}: section needs text or fields`);
        if (b.accessory) checkElement(b.accessory as Json, `${where}.accessory`, out);
        break;
      }
      case 'context': {
        const items = (b.elements as Json[] | undefined) ?? [];
        if (items.length === 0 || items.length > LIMITS.contextElements) out.push(`${where}: ${items.length} context elements (1–${LIMITS.contextElements})`);
        for (const [j, e] of items.entries()) {
          if (e.type === 'image') checkElement(e, `${where}.elements[${j}]`, out);
          else checkText(e, `${where}.elements[${j}]`, out, { max: LIMITS.sectionText });
        }
        break;
      }
      case 'actions': {
        const items = (b.elements as Json[] | undefined) ?? [];
        if (items.length === 0 || items.length > LIMITS.actionsElements) out.push(`${where}: ${items.length} elements (1–${LIMITS.actionsElements})`);
        for (const [j, e] of items.entries()) checkElement(e, `${where}.elements[${j}]`, out);
        break;
      }
      case 'input':
        checkText(b.label, `${where}.label`, out, { plainOnly: true, max: LIMITS.inputLabel });
        checkText(b.hint, `${where}.hint`, out, { plainOnly: true, max: LIMITS.inputHint, optional: true });
        if (b.element) checkElement(b.element as Json, `${where}.element`, out);
        else out.push(`${where}: input without an element`);
        break;
      case 'image':
        checkUrl(b.image_url, `${where}.image_url`, out);
        if (typeof b.alt_text !== 'string' || b.alt_text.length === 0 || b.alt_text.length > LIMITS.altText) out.push(`${where}: alt_text missing or over ${LIMITS.altText}`);
        break;
      case 'divider':
        break;
      default:
        out.push(`${where}: block type the builders do not use`);
    }
  }
}

/** Every way a chat message payload breaks Slack's limits (empty when it is fine). */
export function checkMessage(payload: { text?: unknown; blocks?: unknown }): string[] {
  const out: string[] = [];
  const blocks = (payload.blocks as Json[] | undefined) ?? [];
  if (blocks.length > LIMITS.messageBlocks) out.push(`${blocks.length} blocks (max ${LIMITS.messageBlocks})`);
  const size = JSON.stringify(blocks).length;
  if (size > LIMITS.messageJsonChars) out.push(`blocks are ${size} characters of JSON (practical max ${LIMITS.messageJsonChars})`);
  if (typeof payload.text === 'string' && payload.text.length > LIMITS.fallbackText) out.push(`fallback text over ${LIMITS.fallbackText}`);
  checkBlocks(blocks, out);
  return out;
}

/** Every way a modal or Home view breaks Slack's limits. */
export function checkView(view: Json): string[] {
  const out: string[] = [];
  const blocks = (view.blocks as Json[] | undefined) ?? [];
  if (blocks.length > LIMITS.viewBlocks) out.push(`${blocks.length} blocks (max ${LIMITS.viewBlocks})`);
  if (view.type === 'modal') checkText(view.title, 'title', out, { plainOnly: true, max: LIMITS.viewTitle });
  checkText(view.submit, 'submit', out, { plainOnly: true, max: LIMITS.viewSubmit, optional: true });
  checkText(view.close, 'close', out, { plainOnly: true, max: LIMITS.viewClose, optional: true });
  if (view.type === 'modal' && blocks.some((b) => b.type === 'input') && !view.submit) out.push('a modal with inputs needs a submit button');
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata) out.push(`private_metadata over ${LIMITS.privateMetadata}`);
  if (typeof view.callback_id === 'string' && view.callback_id.length > LIMITS.callbackId) out.push(`callback_id over ${LIMITS.callbackId}`);
  checkBlocks(blocks, out);
  return out;
}
