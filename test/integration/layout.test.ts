import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/ARCHITECTURE.md, "Layout": dependencies point one way, apps → packages. No package depends
// on an app, not even in its tests (tests that need the sandbox or an app live under test/).
const root = join(import.meta.dirname, '..', '..');
const names = (dir: string): string[] => readdirSync(join(root, dir)).map((d) => join(dir, d));
interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
const appNames = names('apps').map((dir) => manifest(dir).name);

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('layout', () => {
  it('no package lists an app among its dependencies or devDependencies', () => {
    const offending = names('packages').flatMap((dir) => {
      const m = manifest(dir);
      return Object.keys({ ...m.dependencies, ...m.devDependencies })
        .filter((dep) => appNames.includes(dep))
        .map((dep) => `${m.name} → ${dep}`);
    });
    expect(offending).toEqual([]);
  });

  it('no package source or test imports an app', () => {
    const offending = names('packages').flatMap((dir) =>
      sources(join(dir, 'src')).filter((file) => {
        const text = readFileSync(join(root, file), 'utf8');
        return appNames.some((app) => text.includes(`'${app}'`) || text.includes(`'${app}/`)) || /from '(\.\.\/)+apps\//.test(text);
      }),
    );
    expect(offending).toEqual([]);
  });
});
