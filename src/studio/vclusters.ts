/**
 * Which virtual clusters are INTEGRATION (sync) clusters: what the standards review checks sync tasks
 * against and where the wizard puts a sync task. Studio's own list (with each cluster's type) is the
 * source; `INTEGRATION_VCLUSTERS` overrides it; only when neither is available are names guessed.
 */
import type { StudioClient } from './client.js';
import type { VCluster } from './models.js';

const INTEGRATION_TYPES = new Set(['INTEGRATION', 'SYNC']);

/** Without Studio's list: the configured names, else names that say so (sync, integration). */
export function integrationVcPredicate(configured: string[] | undefined): (name: string) => boolean {
  if (configured?.length) {
    const set = new Set(configured.map((s) => s.toLowerCase()));
    return (name) => set.has(name.toLowerCase());
  }
  return (name) => /sync|integration/i.test(name);
}

export class VClusterDirectory {
  private list: VCluster[] | undefined;
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly studio: Pick<StudioClient, 'listVClusters'>,
    private readonly configured: string[] | undefined,
    private readonly opts: { ttlMs?: number; now?: () => number } = {},
  ) {}

  /** Read Studio's list again when it is older than the time-to-live (failures keep the last list). */
  async refresh(force = false): Promise<void> {
    const now = (this.opts.now ?? Date.now)();
    if (!force && this.list && now - this.loadedAt < (this.opts.ttlMs ?? 600_000)) return;
    this.loading ??= this.studio
      .listVClusters()
      .then((list) => {
        this.list = list;
        this.loadedAt = now;
      })
      .catch(() => undefined)
      .finally(() => {
        this.loading = undefined;
      });
    await this.loading;
  }

  /** Where the answer comes from: the configuration, Studio's list, or (neither available) names. */
  get source(): 'configured' | 'studio' | 'names' {
    if (this.configured?.length) return 'configured';
    return this.list ? 'studio' : 'names';
  }

  isIntegration(name: string): boolean {
    if (!this.configured?.length && this.list) return this.list.some((v) => v.name.toLowerCase() === name.toLowerCase() && INTEGRATION_TYPES.has(v.type));
    return integrationVcPredicate(this.configured)(name);
  }

  /**
   * The INTEGRATION clusters a new sync task may use: the configured ones, else Studio's list
   * (empty when the workspace has none); undefined when neither is known. Never a guessed name.
   */
  integrationClusters(): string[] | undefined {
    if (this.configured?.length) return [...this.configured];
    return this.list?.filter((v) => INTEGRATION_TYPES.has(v.type)).map((v) => v.name);
  }

  /** The predicate for the review, with Studio's list as fresh as the time-to-live allows. */
  async predicate(): Promise<(name: string) => boolean> {
    await this.refresh();
    return (name) => this.isIntegration(name);
  }
}
