import { ACT, COMMANDS, RD, RDA, WR, WRA, type Level } from './commands.ts';
import type { Organization, TimingRule } from './standard.ts';

// How the targets of two column commands of one channel relate (the checker's relations, src/dram/protocol-checker.ts).
const SAME_BANK = 0;
const SAME_BANKGROUP = 1;
const SAME_RANK = 2;
const OTHER_RANK = 3;
const RELATION_NAMES = ['the same bank', 'another bank of the bank group', 'another bank group of the rank', 'another rank of the channel'];

/** Whether a rule at `level` (on the node itself, or with `sibling` on the other nodes of its level) reaches `relation`. */
function reaches(level: Level, sibling: boolean, relation: number): boolean {
  if (sibling) {
    // The other nodes of the level under the same parent (src/dram/timing-state.ts): other banks of the group,
    // other groups of the rank, other ranks of the channel; other channels share no bus.
    switch (level) {
      case 'bank': return relation === SAME_BANKGROUP;
      case 'bankgroup': return relation === SAME_RANK;
      case 'rank': return relation === OTHER_RANK;
      case 'channel': return false;
    }
  }
  switch (level) {
    case 'bank': return relation === SAME_BANK;
    case 'bankgroup': return relation <= SAME_BANKGROUP;
    case 'rank': return relation <= SAME_RANK;
    case 'channel': return true;
  }
}

/**
 * The first way the compiled constraint table lets two column commands of one channel put data on the bus at
 * once, as a sentence, or undefined when it never does. The analytical peak assumes one burst per tBURST on each
 * channel (peakBandwidthGBps), so every pair of column commands must be at least their data's bus time apart:
 * tBURST for two reads or two writes, CL + tBURST - CWL from a read to a write (the read data leaves the bus
 * CL + tBURST after the RD, the write data arrives CWL after the WR), CWL + tBURST - CL from a write to a read. A
 * distance of 1 cycle or less is kept by the command bus itself (one command per cycle). A table without these
 * rules (an empty inline table, or one with a distance cut short) would let a run exceed the peak.
 */
export function dataBusGap(rules: readonly TimingRule[], timing: Readonly<Record<string, number>>, org: Organization): string | undefined {
  const tBURST = timing.tBURST!;
  const CL = timing.CL!;
  const CWL = timing.CWL!;
  const reads = [RD, RDA];
  const writes = [WR, WRA];
  const needed = (prev: number, next: number): { cycles: number; text: string } => {
    const pr = reads.includes(prev);
    const nr = reads.includes(next);
    if (pr === nr) return { cycles: tBURST, text: `tBURST = ${tBURST}` };
    if (pr) return { cycles: CL + tBURST - CWL, text: `CL + tBURST - CWL = ${CL + tBURST - CWL}` };
    return { cycles: CWL + tBURST - CL, text: `CWL + tBURST - CL = ${CWL + tBURST - CL}` };
  };
  const relations = [SAME_BANK];
  if (org.banksPerGroup > 1) relations.push(SAME_BANKGROUP);
  if (org.bankGroups > 1) relations.push(SAME_RANK);
  if (org.ranks > 1) relations.push(OTHER_RANK);
  for (const prev of [...reads, ...writes]) {
    for (const next of [...reads, ...writes]) {
      const need = needed(prev, next);
      if (need.cycles <= 1) continue;
      for (const relation of relations) {
        let longest = 0;
        for (const r of rules) {
          if (r.prev === prev && r.next === next && reaches(r.level, r.sibling, relation)) longest = Math.max(longest, r.cycles);
        }
        if (longest < need.cycles) {
          return `nothing keeps ${COMMANDS[prev]} -> ${COMMANDS[next]} on ${RELATION_NAMES[relation]} at least ${need.text} cycles apart (the longest rule that applies gives ${longest}), so two bursts could share the data bus and a run exceed the analytical peak`;
        }
      }
    }
  }
  return undefined;
}

/**
 * The longest the constraint tables keep a column command (RD, RDA, WR, WRA) behind the ACT that opened its row, on
 * the same bank, in cycles (tRCD, or tRCDRD / tRCDWR). A refresh closes every row each refresh interval, so a run
 * can only finish if this fits between two refreshes (issue #18: `tRCDWR = 94121` cycles on ddr4, longer than
 * tREFI, reopened the row after every refresh and never wrote: a hang).
 */
export function activateToColumnCycles(rules: readonly TimingRule[]): { cycles: number; text: string } {
  let best = { cycles: 0, text: 'no rule' };
  for (const r of rules) {
    if (r.prev === ACT && [RD, RDA, WR, WRA].includes(r.next) && reaches(r.level, r.sibling, SAME_BANK) && r.cycles > best.cycles) {
      best = { cycles: r.cycles, text: r.text };
    }
  }
  return best;
}
