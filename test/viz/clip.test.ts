import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logTicks } from '../../viz/serving-charts.ts';

/*
 * Issue #17 (chart quality): every curve is clipped to its plot area, and no curve's own coordinates leave that
 * area either (a clip hides a wrong domain; it does not fix it: the Duplex latency CDFs once drew a system's curve
 * left of the axis because the panel's domain started at the first system's least sample). Checked on every chart
 * the snapshot tests render from the fixtures (test/viz/__snapshots__, kept equal to the renders by those tests).
 */
const SNAPSHOTS = join(import.meta.dirname, '__snapshots__');
/** Data marks: paths drawn from data, as the chart modules class them. */
const DATA_PATH = /<path\b([^>]*\bclass="(?:line|band|area|casing)\b[^"]*"[^>]*)>/g;

interface Box { x0: number; y0: number; x1: number; y1: number }

function clipBoxes(svg: string): Map<string, Box> {
  const boxes = new Map<string, Box>();
  for (const m of svg.matchAll(/<clipPath id="([^"]+)"><rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"\/><\/clipPath>/g)) {
    const [x, y, w, h] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
    boxes.set(m[1]!, { x0: x, y0: y, x1: x + w, y1: y + h });
  }
  return boxes;
}

/** The points of a path's `d` (absolute M, L, H, V and Z only: what the chart modules write). */
function points(d: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let x = 0;
  let y = 0;
  for (const m of d.matchAll(/([MLHVZ])([^MLHVZ]*)/g)) {
    const nums = m[2]!.split(/[ ,]+/).filter((s) => s !== '').map(Number);
    if (m[1] === 'H') x = nums[0]!;
    else if (m[1] === 'V') y = nums[0]!;
    else if (m[1] !== 'Z') [x, y] = nums as [number, number];
    if (m[1] !== 'Z') out.push([x, y]);
  }
  expect(d.replace(/[MLHVZ\d.,\s-]/g, ''), `path commands other than M/L/H/V/Z in ${d.slice(0, 60)}`).toBe('');
  return out;
}

describe('every data curve stays in its plot area', () => {
  const files = readdirSync(SNAPSHOTS).filter((f) => f.endsWith('.svg')).sort();
  it('finds the chart snapshots', () => expect(files.length).toBeGreaterThan(20));
  for (const f of files) {
    const svg = readFileSync(join(SNAPSHOTS, f), 'utf8');
    const paths = [...svg.matchAll(DATA_PATH)].map((m) => m[1]!);
    if (paths.length === 0) continue;
    it(`${f}: ${paths.length} data paths, each clipped, each inside its clip box`, () => {
      const boxes = clipBoxes(svg);
      for (const attrs of paths) {
        const clip = attrs.match(/\bclip-path="url\(#([^)]+)\)"/)?.[1];
        expect(clip, `a data path without a clip-path in ${f}: ${attrs.slice(0, 80)}`).toBeDefined();
        const box = boxes.get(clip!);
        expect(box, `clip-path #${clip} is not defined in ${f}`).toBeDefined();
        const d = attrs.match(/\bd="([^"]*)"/)![1]!;
        for (const [x, y] of points(d)) {
          const inside = x >= box!.x0 - 0.01 && x <= box!.x1 + 0.01 && y >= box!.y0 - 0.01 && y <= box!.y1 + 0.01;
          expect(inside, `${f}: point (${x}, ${y}) of a path clipped to #${clip} lies outside [${box!.x0}, ${box!.x1}] x [${box!.y0}, ${box!.y1}]`).toBe(true);
        }
      }
    });
  }
});

describe('log axes get enough labelled ticks', () => {
  it('at least three labels inside one decade or less, sparser over many decades', () => {
    expect(logTicks(7.7, 62).labelled).toEqual([10, 20, 50]);
    expect(logTicks(1500, 7000).labelled).toEqual([2000, 3000, 5000, 7000]);
    expect(logTicks(12, 30).labelled).toEqual([15, 20, 25, 30]);
    expect(logTicks(0.5, 20000).labelled).toEqual([1, 10, 100, 1000, 10000]);
  });
});
