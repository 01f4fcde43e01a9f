/**
 * Slack's Block Kit limits (slack-platform.md) and a checker. The builders in this folder
 * truncate visibly to stay inside them; `checkMessage` / `checkView` find any violation, so tests
 * (and the fake Slack) can assert that nothing the bot sends would be rejected.
 */

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
  optionValue: 75,
  staticSelectOptions: 100,
  overflowOptions: 5,
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

/** `text` cut to `max` characters, ending with an ellipsis when cut (never silently). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  // Never split a code point: a high surrogate left at the end would be a lone half of an emoji.
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

type Json = Record<string, unknown>;

function textOf(t: unknown): string {
  return t && typeof t === 'object' && 'text' in (t as Json) ? String((t as Json).text ?? '') : '';
}

function checkElement(el: Json, where: string, out: string[]): void {
  const type = el.type;
  if (typeof el.action_id === 'string' && el.action_id.length > LIMITS.actionId) out.push(`${where}: action_id over ${LIMITS.actionId}`);
  if (type === 'button') {
    if (textOf(el.text).length > LIMITS.buttonText) out.push(`${where}: button text over ${LIMITS.buttonText}`);
    if (typeof el.value === 'string' && el.value.length > LIMITS.buttonValue) out.push(`${where}: button value over ${LIMITS.buttonValue}`);
    if (typeof el.url === 'string' && el.url.length > LIMITS.url) out.push(`${where}: button url over ${LIMITS.url}`);
  }
  const options = (el.options as Json[] | undefined) ?? [];
  if (type === 'static_select' && options.length > LIMITS.staticSelectOptions) out.push(`${where}: ${options.length} select options`);
  if (type === 'overflow' && options.length > LIMITS.overflowOptions) out.push(`${where}: ${options.length} overflow options`);
  for (const [i, o] of options.entries()) {
    if (textOf(o.text).length > LIMITS.optionText) out.push(`${where}.options[${i}]: text over ${LIMITS.optionText}`);
    if (typeof o.value === 'string' && o.value.length > LIMITS.optionValue) out.push(`${where}.options[${i}]: value over ${LIMITS.optionValue}`);
  }
}

function checkBlocks(blocks: Json[], out: string[]): void {
  for (const [i, b] of blocks.entries()) {
    const where = `blocks[${i}] (${String(b.type)})`;
    if (typeof b.block_id === 'string' && b.block_id.length > LIMITS.blockId) out.push(`${where}: block_id over ${LIMITS.blockId}`);
    switch (b.type) {
      case 'header':
        if (textOf(b.text).length > LIMITS.headerText) out.push(`${where}: header over ${LIMITS.headerText}`);
        break;
      case 'section': {
        if (textOf(b.text).length > LIMITS.sectionText) out.push(`${where}: text ${textOf(b.text).length} over ${LIMITS.sectionText}`);
        const fields = (b.fields as Json[] | undefined) ?? [];
        if (fields.length > LIMITS.sectionFields) out.push(`${where}: ${fields.length} fields`);
        for (const f of fields) if (textOf(f).length > LIMITS.fieldText) out.push(`${where}: field over ${LIMITS.fieldText}`);
        if (!b.text && fields.length === 0) out.push(`${where}: section needs text or fields`);
        if (b.accessory) checkElement(b.accessory as Json, `${where}.accessory`, out);
        break;
      }
      case 'context': {
        const els = (b.elements as Json[] | undefined) ?? [];
        if (els.length > LIMITS.contextElements) out.push(`${where}: ${els.length} context elements`);
        for (const e of els) if (textOf(e).length > LIMITS.sectionText) out.push(`${where}: context text over ${LIMITS.sectionText}`);
        break;
      }
      case 'actions': {
        const els = (b.elements as Json[] | undefined) ?? [];
        if (els.length > LIMITS.actionsElements) out.push(`${where}: ${els.length} elements`);
        els.forEach((e, j) => checkElement(e, `${where}.elements[${j}]`, out));
        break;
      }
      case 'input':
        if (b.element) checkElement(b.element as Json, `${where}.element`, out);
        break;
      default:
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
  if (textOf(view.title).length > LIMITS.viewTitle) out.push(`title over ${LIMITS.viewTitle}`);
  if (textOf(view.submit).length > LIMITS.viewSubmit) out.push(`submit over ${LIMITS.viewSubmit}`);
  if (textOf(view.close).length > LIMITS.viewClose) out.push(`close over ${LIMITS.viewClose}`);
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata) out.push(`private_metadata over ${LIMITS.privateMetadata}`);
  if (typeof view.callback_id === 'string' && view.callback_id.length > LIMITS.callbackId) out.push(`callback_id over ${LIMITS.callbackId}`);
  checkBlocks(blocks, out);
  return out;
}
