import { parseAddressMapping } from '../dram/address-mapping.ts';
import { generatePattern } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import { bytesPerRequest, type DramStandard } from '../dram/standard.ts';
import { dramReport } from '../report/dram-report.ts';

/** Achieved and analytical peak bandwidth of a streaming read trace on a preset. */
export interface PeakResult {
  standard: string;
  requests: number;
  achievedGBps: number;
  peakGBps: number;
  percentOfPeak: number;
}

/** Streams `requests` consecutive reads through the preset with its default controller. */
export function streamingPeak(std: DramStandard, requests = 200_000): PeakResult {
  const mapping = parseAddressMapping(std.controller.addressMapping, std.organization);
  const trace = generatePattern({ pattern: 'stream', requests, seed: 'peak', requestBytes: bytesPerRequest(std), capacityBytes: mapping.capacityBytes });
  const rep = dramReport(runDram({ standard: std, trace }));
  return { standard: std.name, requests, achievedGBps: rep.bandwidth.achievedGBps, peakGBps: rep.bandwidth.peakGBps, percentOfPeak: rep.bandwidth.percentOfPeak };
}
