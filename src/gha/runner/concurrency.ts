/**
 * Concurrency groups as GitHub schedules them: at most one run (or job) in progress per group;
 * one that arrives while the group is busy waits as pending, and by default replaces (cancels)
 * the one already pending; `queue: max` keeps up to 100 waiting in order; `cancel-in-progress`
 * also cancels the one running. Group names are case-insensitive.
 */

interface Holder {
  label: string;
  admit(granted: boolean): void;
  cancelRunning(): void;
}

interface Group {
  running: Holder | null;
  pending: Holder[];
}

/** What happened to a holder that was displaced, for the log. */
export interface ConcurrencyNotice {
  group: string;
  cancelled: string;
  by: string;
  what: 'pending' | 'running';
}

export class ConcurrencyGroups {
  private readonly groups = new Map<string, Group>();
  readonly notices: ConcurrencyNotice[] = [];

  /**
   * Enters a group. Resolves with a release function once the holder may run, or null when it
   * was cancelled while pending. `cancelRunning` is called if a later arrival with
   * cancel-in-progress cancels this holder while it runs.
   */
  acquire(name: string, options: { label: string; cancelInProgress: boolean; queue: 'single' | 'max'; cancelRunning(): void }): Promise<(() => void) | null> {
    const key = name.toLowerCase();
    const group = this.groups.get(key) ?? { running: null, pending: [] };
    this.groups.set(key, group);
    return new Promise((resolve) => {
      const holder: Holder = {
        label: options.label,
        admit: (granted) => resolve(granted ? () => this.release(key, holder) : null),
        cancelRunning: options.cancelRunning,
      };
      if (options.cancelInProgress) {
        if (group.running) {
          this.notices.push({ group: name, cancelled: group.running.label, by: holder.label, what: 'running' });
          group.running.cancelRunning();
        }
        for (const waiting of group.pending.splice(0)) {
          this.notices.push({ group: name, cancelled: waiting.label, by: holder.label, what: 'pending' });
          waiting.admit(false);
        }
      }
      if (!group.running) {
        group.running = holder;
        holder.admit(true);
        return;
      }
      if (options.queue === 'single') {
        for (const waiting of group.pending.splice(0)) {
          this.notices.push({ group: name, cancelled: waiting.label, by: holder.label, what: 'pending' });
          waiting.admit(false);
        }
      } else if (group.pending.length >= 100) {
        this.notices.push({ group: name, cancelled: holder.label, by: holder.label, what: 'pending' });
        holder.admit(false);
        return;
      }
      group.pending.push(holder);
    });
  }

  private release(key: string, holder: Holder): void {
    const group = this.groups.get(key);
    if (!group || group.running !== holder) return;
    const next = group.pending.shift() ?? null;
    group.running = next;
    next?.admit(true);
  }
}
