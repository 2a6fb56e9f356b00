import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { ROOT, dir, json, mutateJson, mutateText, property } from './fuzz-helpers.ts';

/*
 * Fuzzing (issue #18 item 5), part 1: DRAM spec JSON, model JSON, request sets, DRAM traces, system presets (PIM-GPT,
 * GPU, Duplex, NeuPIMs) and DRAMsim3 .ini files. The contract, the mutations and the seed are in ./fuzz-helpers.ts;
 * part 2 (the other spec formats) is ./fuzz-specs.test.ts, a file of its own so that the two run in parallel.
 */
describe('fuzzing every input format', () => {
  property('DRAM spec JSON', 'json', mutateJson(json('arch/dram/ddr4.json')), (f) => ['dram', '--spec', f, '--pattern', 'random', '--requests', '20', '--bank-window', 'none'], false);
  property('model JSON', 'json', mutateJson(json('workloads/models/gpt2-small.json')), (f) => ['run', '--system', 'gpu-t4', '--model', f, '--phase', 'decode', '--context', '16'], true);
  property('request set JSON', 'json', mutateJson(json('test/fixtures/requests/small.json')), (f) => ['serve', '--model', 'gpt2-small', '--system', 'gpu-t4', '--requests', f, '--quiet'], false);
  property('request set CSV', 'csv', mutateText(readFileSync(join(ROOT, 'test/fixtures/requests/small.csv'), 'utf8')), (f) => ['serve', '--model', 'gpt2-small', '--system', 'gpu-t4', '--requests', f, '--quiet'], false);
  const trace = Array.from({ length: 30 }, (_, i) => `0x${(i * 4096).toString(16)} ${i % 3 ? 'READ' : 'WRITE'} ${i * 4}`).join('\n');
  property('DRAM trace', 'trace', mutateText(trace), (f) => ['dram', '--spec', 'hbm2', '--trace', f, '--frontend', 'dramsim3', '--bank-window', 'none'], false);
  property('system preset JSON', 'json', mutateJson(json('arch/systems/pim-gpt.json')), (f) => ['compile', '--system', f, '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--out', join(dir, 't.jsonl'), '--quiet'], false);
  // System presets of the other families (the audit of issue #18 found only PIM-GPT's fuzzed): a GPU through
  // `strata run` (the roofline reads every field of the device), Duplex and NeuPIMs through `strata compile`, which
  // loads the whole system (loadDuplexSystem, loadNeuPimsSystem: its PIM, NPU and DRAM specs) and maps a decode step
  // onto it; a Duplex or NeuPIMs run or serve takes 0.1-1 s a case. They sit in this file, not ./fuzz-specs.test.ts,
  // so that the two files, which run in parallel, take about as long.
  property('system preset JSON (GPU)', 'json', mutateJson(json('arch/systems/gpu-t4.json')), (f) => ['run', '--system', f, '--model', 'gpt2-small', '--phase', 'decode', '--context', '16'], false);
  for (const family of ['duplex', 'neupims'] as const) {
    property(`system preset JSON (${family === 'duplex' ? 'Duplex' : 'NeuPIMs'})`, 'json', mutateJson(json(`arch/systems/${family}.json`)), (f) => ['compile', '--system', f, '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--out', join(dir, `${family}.jsonl`), '--quiet'], false);
  }
  const ini = join(ROOT, '..', 'shared', 'reference', 'dramsim3', 'configs', 'DDR4_8Gb_x8_3200.ini');
  if (existsSync(ini)) {
    property('DRAMsim3 .ini', 'ini', mutateText(readFileSync(ini, 'utf8')), (f) => ['dram', '--spec', f, '--pattern', 'random', '--requests', '20', '--bank-window', 'none'], false);
  } else {
    it.skip(`DRAMsim3 .ini: ${ini} is absent (../shared/reference holds DRAMsim3's configurations; they are never copied here)`, () => {});
  }
});
