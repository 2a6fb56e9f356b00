import { describe, expect, it } from 'vitest';
import { PointDealer, shareGroups } from '../../src/sweep/point-dealer.ts';

/** Every point a lane is dealt until none is left, asking in the order `asks` gives (lane numbers). */
function deal(dealer: PointDealer, asks: readonly number[]): Array<[number, number | undefined]> {
  return asks.map((lane) => [lane, dealer.next(lane)]);
}

describe('shareGroups', () => {
  it('groups points by share key in the order of their first points', () => {
    expect(shareGroups(6, ['b', 'a', 'b', 'c', 'a', 'b'])).toEqual([[0, 2, 5], [1, 4], [3]]);
  });
  it('without keys, every point is its own group, in order', () => {
    expect(shareGroups(3)).toEqual([[0], [1], [2]]);
  });
});

describe('PointDealer', () => {
  it('deals a whole group to the lane that asks, so points of one design run on one thread', () => {
    // Two designs of three price points each, interleaved as a grid with the price axis outermost would make them.
    const d = new PointDealer(6, 2, ['x', 'y', 'x', 'y', 'x', 'y']);
    expect(deal(d, [0, 1, 0, 1, 0, 1, 0, 1])).toEqual([[0, 0], [1, 1], [0, 2], [1, 3], [0, 4], [1, 5], [0, undefined], [1, undefined]]);
  });
  it('without keys, deals points in order to whichever lane asks (as a shared queue would)', () => {
    const d = new PointDealer(4, 2);
    expect(deal(d, [1, 0, 0, 1, 1])).toEqual([[1, 0], [0, 1], [0, 2], [1, 3], [1, undefined]]);
  });
  it('never splits a group: a lane with no group left is done while another ends its group', () => {
    // One group of 3: lane 0 takes it whole; lane 1 gets nothing (the rest of the group only prices lane 0's timing).
    const d = new PointDealer(3, 2, ['g', 'g', 'g']);
    expect(deal(d, [0, 1, 0, 1, 0, 0])).toEqual([[0, 0], [1, undefined], [0, 1], [1, undefined], [0, 2], [0, undefined]]);
  });
});
