import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeRange, Git } from '../../src/action/git.js';
import { changedModels, outputDirs, resolveModels } from '../../src/action/models.js';
import { commitAll, git, initRepo, tmpDir } from './harness.js';

describe('changeRange', () => {
  it('reads a pull request’s base and head, and a push’s before and after', () => {
    const pr = { pull_request: { base: { sha: 'b1' }, head: { sha: 'h1' } } };
    expect(changeRange('pull_request', pr)).toEqual({ event: 'pull_request', base: 'b1', head: 'h1' });
    expect(changeRange('pull_request_target', pr)).toEqual({ event: 'pull_request', base: 'b1', head: 'h1' });
    expect(changeRange('push', { before: 'b2', after: 'h2' })).toEqual({
      event: 'push',
      base: 'b2',
      head: 'h2',
    });
  });

  it('has none for a push that created its branch and for other events', () => {
    expect(changeRange('push', { before: '0'.repeat(40), after: 'h2' })).toBeUndefined();
    expect(changeRange('workflow_dispatch', {})).toBeUndefined();
    expect(changeRange('pull_request', {})).toBeUndefined();
  });
});

describe('Git, in a real repository and a shallow clone of it', () => {
  let repo: string;
  let c1: string;
  let c2: string;
  let c3: string;
  beforeAll(() => {
    repo = tmpDir('git');
    initRepo(repo);
    fs.mkdirSync(path.join(repo, 'models'));
    fs.writeFileSync(path.join(repo, 'models/a.onnx'), 'a1');
    fs.writeFileSync(path.join(repo, 'models/b.onnx'), 'b1');
    c1 = commitAll(repo, 'one');
    fs.writeFileSync(path.join(repo, 'models/a.onnx'), 'a2');
    fs.writeFileSync(path.join(repo, 'models/c.onnx'), 'c1');
    fs.writeFileSync(path.join(repo, 'README'), 'x');
    c2 = commitAll(repo, 'two');
    fs.writeFileSync(path.join(repo, 'models/b.onnx'), 'b2');
    c3 = commitAll(repo, 'three');
  });

  it('lists the files a push changed, as absolute paths', () => {
    const g = new Git(repo);
    const files = g.changedFiles({ event: 'push', base: c1, head: c2 })!;
    expect(files.map((f) => path.relative(fs.realpathSync(repo), f)).sort()).toEqual([
      'README',
      'models/a.onnx',
      'models/c.onnx',
    ]);
  });

  it('writes a file as it was at a commit, and says when it did not exist there', () => {
    const g = new Git(repo);
    const dest = path.join(tmpDir('show'), 'a.onnx');
    expect(g.showFile(c1, path.join(repo, 'models/a.onnx'), dest)).toBe('ok');
    expect(fs.readFileSync(dest, 'utf8')).toBe('a1');
    expect(g.showFile(c1, path.join(repo, 'models/c.onnx'), dest)).toBe('missing');
  });

  it('fetches a commit a shallow checkout lacks, then compares', () => {
    const clone = tmpDir('clone');
    git(clone, 'clone', '-q', '--depth=1', `file://${repo}`, '.');
    const g = new Git(clone);
    expect(git(clone, 'rev-parse', 'HEAD')).toBe(c3);
    const files = g.changedFiles({ event: 'push', base: c1, head: c3 })!;
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['README', 'a.onnx', 'b.onnx', 'c.onnx']);
    const dest = path.join(tmpDir('show'), 'b.onnx');
    expect(g.showFile(c1, path.join(clone, 'models/b.onnx'), dest)).toBe('ok');
    expect(fs.readFileSync(dest, 'utf8')).toBe('b1');
  });

  it('cannot tell outside a repository or without the commits', () => {
    expect(new Git(tmpDir('nogit')).changedFiles({ event: 'push', base: c1, head: c2 })).toBeUndefined();
    expect(new Git(repo).changedFiles({ event: 'push', base: 'f'.repeat(40), head: c2 })).toBeUndefined();
  });
});

describe('models', () => {
  it('resolves files, folders and globs, never the output folder, and filters by the changed files', () => {
    const ws = tmpDir('models');
    for (const f of [
      'm/a.onnx',
      'm/deep/b.tflite',
      'm/notes.txt',
      'out/a_quant.onnx',
      'x/c.onnx',
      'y/a.onnx',
    ]) {
      fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
      fs.writeFileSync(path.join(ws, f), '');
    }
    const abs = (f: string) => path.join(ws, f);
    expect(resolveModels(['m'], ws, 'out')).toEqual([abs('m/a.onnx'), abs('m/deep/b.tflite')]);
    expect(resolveModels(['**/*.onnx'], ws, 'out')).toEqual([
      abs('m/a.onnx'),
      abs('x/c.onnx'),
      abs('y/a.onnx'),
    ]);
    expect(resolveModels(['x/c.onnx', 'm/*.onnx'], ws, 'out')).toEqual([abs('m/a.onnx'), abs('x/c.onnx')]);
    expect(() => resolveModels(['nothing/*.onnx'], ws, 'out')).toThrow(
      /--input: 'nothing\/\*\.onnx' matches no/,
    );
    const all = resolveModels(['**/*.onnx'], ws, 'out');
    expect(changedModels(all, [abs('x/c.onnx'), abs('README')])).toEqual([abs('x/c.onnx')]);
    const dirs = outputDirs(all, ws, 'out');
    expect(dirs.get(abs('x/c.onnx'))).toBe('out');
    expect(dirs.get(abs('m/a.onnx'))).toBe(path.join('out', 'm'));
    expect(dirs.get(abs('y/a.onnx'))).toBe(path.join('out', 'y'));
  });
});
