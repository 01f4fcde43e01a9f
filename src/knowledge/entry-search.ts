/**
 * Finding knowledge entries by meaning, for `/cz explain`: a person types the symptom ("DWS not
 * updated", "sync task keeps failing with no clear error", "表结构变更同步失败"), not the log line.
 * Titles, symptoms, ids, signals and causes are indexed by MiniSearch (ranked full-text search with
 * field boosts, prefix and fuzzy terms); English words are lower-cased, stripped of common suffixes
 * and stop words, Chinese text is indexed by character pairs, so both languages rank the same way.
 */
import MiniSearch from 'minisearch';
import type { ErrorEntry } from './load.js';

const STOP_WORDS = new Set(
  'a an the and or but of to in on at for with from by is are was were be been it its this that these those as not no has have had do does did can cannot after before when while into than then there their our my your we you i'.split(
    ' ',
  ),
);

/** `failing` → `fail`, `updated` → `updat`, `tables` → `table`: enough to match a word's forms. */
function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ing', 'ed', 'es', 's']) if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  return word;
}

/** Words of English (and codes, ids split on `.`/`_`), and pairs of Chinese characters. */
export function searchTerms(text: string): string[] {
  const out: string[] = [];
  for (const run of text.toLowerCase().match(/[\p{Script=Han}]+|[a-z0-9]+/gu) ?? []) {
    if (/\p{Script=Han}/u.test(run)) {
      if (run.length === 1) out.push(run);
      for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    } else if (!STOP_WORDS.has(run)) out.push(stem(run));
  }
  return out;
}

interface Doc {
  id: string;
  title: string;
  symptoms: string;
  name: string;
  signals: string;
  cause: string;
}

export interface EntryMatch {
  entry: ErrorEntry;
  score: number;
}

export class EntrySearch {
  private readonly index: MiniSearch<Doc>;
  private readonly byId = new Map<string, ErrorEntry>();

  constructor(entries: readonly ErrorEntry[]) {
    this.index = new MiniSearch<Doc>({
      fields: ['title', 'symptoms', 'name', 'signals', 'cause'],
      tokenize: searchTerms,
      processTerm: (t) => t,
      searchOptions: {
        boost: { title: 3, symptoms: 3, name: 2, signals: 1.5, cause: 1 },
        prefix: (t) => t.length >= 4,
        fuzzy: (t) => (t.length >= 6 ? 0.2 : false),
        combineWith: 'OR',
      },
    });
    this.index.addAll(
      entries.map((e) => {
        this.byId.set(e.id, e);
        return {
          id: e.id,
          title: e.title,
          symptoms: e.symptoms.join('\n'),
          name: e.id.replace(/[._]/g, ' '),
          signals: [...e.match.codes, ...e.match.messages].join('\n'),
          cause: e.cause,
        };
      }),
    );
  }

  /** Entries ranked by how well they answer the text, best first. */
  search(text: string, limit = 5): EntryMatch[] {
    return this.index
      .search(text)
      .slice(0, limit)
      .map((r) => ({ entry: this.byId.get(r.id as string)!, score: r.score }));
  }

  /**
   * The best entry when it is clearly ahead of the next, else undefined. The ranking counts, besides
   * the index's score, how much of the text one title or symptom of the entry says (the words of a
   * row of a troubleshooting table belong together); the first is clearly ahead when it scores a
   * quarter more than the next, or is the only one to say every word — and only when one of its titles
   * or symptoms says at least half the words.
   */
  best(text: string): ErrorEntry | undefined {
    const terms = [...new Set(searchTerms(text))];
    if (terms.length === 0) return undefined;
    const ranked = this.search(text, 5)
      .map((m) => {
        const coverage = Math.max(
          ...[m.entry.title, ...m.entry.symptoms].map((phrase) => {
            const own = new Set(searchTerms(phrase));
            return terms.filter((t) => own.has(t)).length / terms.length;
          }),
        );
        return { entry: m.entry, coverage, score: m.score * (1 + coverage) };
      })
      .sort((a, b) => b.score - a.score);
    const [first, second] = ranked;
    // At least half the words must be said by one of its titles or symptoms: a stray shared word is no answer.
    if (!first || first.coverage < 0.5) return undefined;
    if (!second || first.score >= 1.25 * second.score) return first.entry;
    return first.coverage === 1 && second.coverage < 1 ? first.entry : undefined;
  }
}
