/** Literal anchors of regular expressions, for the diagnosis prefilter. */

/** Split a pattern on its top-level `|` (each alternative gets its own anchor). */
export function topLevelAlternatives(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let cur = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      cur += c + (src[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * The longest run of characters every match of `src` must contain (outside groups, classes and
 * optional parts), or '' when there is none. Used to prefilter lines cheaply.
 */
export function requiredLiteral(src: string): string {
  let best = '';
  let cur = '';
  const flush = () => {
    if (cur.length > best.length) best = cur;
    cur = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    const next = src[i + 1];
    const optional = (n: string | undefined) => n === '?' || n === '*' || (n === '{' && /^\{0[,}]/.test(src.slice(i + 1)));
    if (c === '\\') {
      const e = next ?? '';
      i++;
      if (/[dDwWsSbBnrtfv0-9]/.test(e)) flush();
      else if (optional(src[i + 1])) flush();
      else cur += e;
      continue;
    }
    if (c === '(' || c === '[') {
      flush();
      // skip the group or class: its content is not required as a whole
      let depth = 0;
      for (; i < src.length; i++) {
        const d = src[i]!;
        if (d === '\\') {
          i++;
          continue;
        }
        if (d === '(' || d === '[') depth++;
        else if (d === ')' || d === ']') {
          depth--;
          if (depth === 0) break;
        }
      }
      continue;
    }
    if ('.^$|)]+{}'.includes(c)) {
      flush();
      continue;
    }
    if (c === '?' || c === '*') {
      cur = cur.slice(0, -1);
      flush();
      continue;
    }
    if (optional(next)) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  return best;
}

/** Three characters, or two when they are not ASCII (a CJK word of two characters is specific). */
export function isUsableAnchor(literal: string): boolean {
  return literal.length >= 3 || (literal.length === 2 && /[^\p{ASCII}]/u.test(literal));
}
