/**
 * Strata's public API: the names a script or notebook imports from `strata-sim`. Everything else under src/ is
 * internal and may move between versions; these names keep their meaning.
 *
 * ```ts
 * import { loadStandard, generatePattern, runDram, dramReport } from 'strata-sim';
 * ```
 */

// Errors and spec provenance
export { StrataError } from './spec/errors.ts';
export { withOverrides, recordAssumptions, type Assumption, type Override } from './spec/provenance.ts';
export { PACKAGE_ROOT, ARCH_DIR } from './spec/package-root.ts';

// DRAM: standards, traffic, the simulation, the independent protocol checker
export { loadStandard, knownStandards, bytesPerRequest, type DramStandard } from './dram/standard.ts';
export { generatePattern } from './dram/patterns.ts';
export { runDram, type DramRunOptions, type DramRunResult } from './dram/run.ts';
export { checkProtocol } from './dram/protocol-checker.ts';
export { logEntries } from './dram/command-log.ts';

// Workloads: models, steps, op graphs, request sets, device traces
export { loadModel, knownModels, type ModelSpec } from './compiler/model.ts';
export { decodeStep, prefillStep } from './compiler/step.ts';
export type { Step, StepRequest, Phase } from './ir/step.ts';
export { buildOpGraph } from './compiler/lower.ts';
export type { Op, OpKind, OpClass } from './ir/op.ts';
export { summarizeOps } from './compiler/summary.ts';
export { getPolicy } from './systems/registry.ts';
export { makeTrace, traceToJsonl, readTrace } from './compiler/trace.ts';
export { compileStep } from './systems/compile.ts';
export { generateRequests } from './compiler/requests.ts';

// Device units
export { loadPimSpec } from './pim/pim-spec.ts';
export { runPimGemv } from './pim/gemv.ts';
export { loadNpu } from './npu/spec.ts';

// Systems: the family registry (one SystemModel per folder of src/systems), and each family's own entry points
export { SYSTEM_MODELS, SYSTEM_FAMILIES, systemFamily, loadStepCostModel, type SystemFamily, type SystemModel, type CostModelOptions } from './systems/registry.ts';
export { loadPimGptSystem, pimGptGenerate, PimGptMachine, type PimGptSystem, type PimGptGeneration } from './systems/pim-gpt/pim-gpt.ts';
export { loadDuplexSystem } from './systems/duplex/duplex-system.ts';
export { duplexStepCoster } from './systems/duplex/duplex-step-cost.ts';
export { runNpuStep } from './systems/neupims/npu-run.ts';
export { loadNeuPimsSystem } from './systems/neupims/neupims-system.ts';
export { loadDevice, runOpsOnDevice } from './systems/baseline/roofline.ts';

// Serving
export { rooflineStepCost } from './systems/baseline/roofline-step-cost.ts';
export { simulateServing, type ServingResult } from './serving/serving-loop.ts';

// Reports
export { dramReport, type DramReport } from './report/dram-report.ts';
export { readReport } from './report/dram-report-file.ts';
export { reportCsvFiles } from './report/csv.ts';
export { servingReport, type ServingReport } from './report/serving-report.ts';
export { validateReport } from './report/schema.ts';

// Validation and sensitivity
export { sensitivity, formatBands, type Band, type Headline, type Parts, type SensitivityResult } from './validation/sensitivity.ts';
