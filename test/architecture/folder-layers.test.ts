import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The floor plan holds: every top-level source folder imports only folders in the layers below
 * it, in the order README.md states ("Layers, bottom up: …"), so the map people read is the one
 * the code keeps. Tests and benchmarks may import anything.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
// bin/ and scripts/ are entry points (plain .mjs) that start the layers, not a layer; examples/
// holds the files README's commands read, docs/ its pictures, test-artifacts/ what the browser tests leave; web/ is the browser's program, which reaches the server
// only over HTTP (checked below).
const NOT_SOURCE = new Set(['node_modules', 'test', 'bench', 'bin', 'scripts', 'examples', 'web', 'docs', 'test-artifacts', '.git', '.data', '.tools', '.ci']);

function statedLayers(): string[][] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const line = /^Layers, bottom up: (.+)$/m.exec(readme)?.[1];
  if (!line) throw new Error('README.md states no "Layers, bottom up: …" line');
  return line.split(' → ').map((layer) => layer.split(',').map((folder) => folder.trim().replace(/`/g, '').replace(/\/$/, '')));
}

function sourceFiles(dir: string, kinds = /\.(ts|mts|mjs)$/): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : sourceFiles(full, kinds);
    return kinds.test(entry.name) ? [full] : [];
  });
}

const topFolderOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0]!;

describe('the folder layers', () => {
  const layers = statedLayers();
  const layerOf = new Map(layers.flatMap((folders, level) => folders.map((folder) => [folder, level] as const)));
  const folders = fs
    .readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !NOT_SOURCE.has(entry.name))
    .map((entry) => entry.name);

  it('names every source folder once', () => {
    expect([...layerOf.keys()].sort()).toEqual([...folders].sort());
    expect(layers.flat()).toHaveLength(layerOf.size);
  });

  it('has each folder import only the layers below it', () => {
    const violations: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(path.join(ROOT, folder))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
          const target = topFolderOf(path.resolve(path.dirname(file), match[1]!));
          if (target === folder || !layerOf.has(target)) continue;
          if (layerOf.get(target)! >= layerOf.get(folder)!) violations.push(`${path.relative(ROOT, file)} imports ${match[1]} (${target}/ is not below ${folder}/)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the web app to itself: it reads the server through the HTTP API only', () => {
    const webRoot = path.join(ROOT, 'web');
    const reachingOut = sourceFiles(path.join(webRoot, 'src'), /\.(ts|tsx)$/)
      .flatMap((file) =>
        [...fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
          .map((match) => path.resolve(path.dirname(file), match[1]!))
          .filter((target) => !target.startsWith(webRoot + path.sep))
          .map((target) => `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`),
      );
    expect(reachingOut).toEqual([]);
  });
});
