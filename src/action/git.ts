import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The commits an event compares: a pull request's base and head, or a push's before and after. */
export interface ChangeRange {
  event: 'push' | 'pull_request';
  base: string;
  head: string;
}

const ZERO_SHA = /^0+$/;

/** From the event payload; undefined for other events and for a push that created its branch. */
export function changeRange(eventName: string, payload: any): ChangeRange | undefined {
  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const base = payload?.pull_request?.base?.sha;
    const head = payload?.pull_request?.head?.sha;
    return typeof base === 'string' && typeof head === 'string'
      ? { event: 'pull_request', base, head }
      : undefined;
  }
  if (eventName === 'push') {
    const { before, after } = payload ?? {};
    if (typeof before !== 'string' || typeof after !== 'string' || ZERO_SHA.test(before)) return undefined;
    return { event: 'push', base: before, head: after };
  }
  return undefined;
}

/**
 * The few git questions the Action asks, in the workspace's repository. Checkouts are often shallow
 * (actions/checkout fetches one commit by default): a missing commit is fetched from origin, one deep.
 */
export class Git {
  private rootDir: string | null | undefined;

  constructor(
    readonly cwd: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private git(args: string[], stdout: 'pipe' | number = 'pipe') {
    const r = spawnSync('git', args, {
      cwd: this.cwd,
      stdio: ['ignore', stdout, 'pipe'],
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return {
      ok: r.status === 0,
      stdout: r.stdout ? r.stdout.toString('utf8') : '',
      stderr: r.stderr ? r.stderr.toString('utf8').trim() : String(r.error ?? ''),
    };
  }

  /** The repository's top folder, or null when the workspace is not in a git repository. */
  root(): string | null {
    if (this.rootDir === undefined) {
      const r = this.git(['rev-parse', '--show-toplevel']);
      this.rootDir = r.ok ? fs.realpathSync(r.stdout.trim()) : null;
    }
    return this.rootDir;
  }

  /** True when the commit is here, after fetching it if it was not. */
  ensureCommit(sha: string): boolean {
    if (this.git(['cat-file', '-e', `${sha}^{commit}`]).ok) return true;
    const fetched = this.git(['fetch', '--no-tags', '--quiet', '--depth=1', 'origin', sha]);
    if (!fetched.ok) this.log(`git fetch ${sha}: ${fetched.stderr}`);
    return fetched.ok && this.git(['cat-file', '-e', `${sha}^{commit}`]).ok;
  }

  /**
   * Absolute paths of the files the range changed, or undefined when git cannot tell (no repository,
   * commits out of reach). A pull request is compared from its merge base (three dots), as GitHub shows
   * it; without enough history for that, base against the checked-out merge commit.
   */
  changedFiles(range: ChangeRange): string[] | undefined {
    const root = this.root();
    if (!root || !this.ensureCommit(range.base)) return undefined;
    const attempts: string[][] = [];
    if (this.ensureCommit(range.head)) {
      attempts.push(
        range.event === 'pull_request' ? [`${range.base}...${range.head}`] : [range.base, range.head],
      );
    }
    attempts.push([range.base, 'HEAD']);
    for (const revs of attempts) {
      const r = this.git(['diff', '--name-only', '--no-renames', ...revs, '--']);
      if (r.ok) {
        return r.stdout
          .split('\n')
          .filter(Boolean)
          .map((f) => path.join(root, f));
      }
      this.log(`git diff ${revs.join(' ')}: ${r.stderr}`);
    }
    return undefined;
  }

  /** Writes the file as it was at `sha` to `dest`; 'missing' when it did not exist there. */
  showFile(sha: string, file: string, dest: string): 'ok' | 'missing' | 'error' {
    const root = this.root();
    if (!root) return 'error';
    const rel = path.relative(root, fs.realpathSync(file)).split(path.sep).join('/');
    if (!this.git(['cat-file', '-e', `${sha}:${rel}`]).ok) return 'missing';
    const fd = fs.openSync(dest, 'w');
    try {
      const r = this.git(['cat-file', '--filters', `${sha}:${rel}`], fd);
      if (!r.ok) this.log(`git cat-file ${sha}:${rel}: ${r.stderr}`);
      return r.ok ? 'ok' : 'error';
    } finally {
      fs.closeSync(fd);
    }
  }
}
