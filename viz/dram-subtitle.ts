/*
 * The subtitle of every DRAM chart: which run the chart shows. Its own module because both the summary charts
 * (dram-charts.ts) and the timeline charts (dram-timeline-charts.ts) use it, and dram-charts.ts builds on the
 * timeline charts: kept in either, it would make the two import each other.
 */
import { format } from 'd3';
import type { DramReport } from '../src/report/dram-report.ts';

const thousands = format(',');

/** The line under every chart's title: which run this is. */
export function runSubtitle(r: DramReport): string {
  return `${r.standard.name} (${r.standard.standard}) · ${r.workload.origin} · ${thousands(r.window.cycles)} ${r.clock.name} cycles (${thousands(r.window.timeNs)} ns)`;
}
