/**
 * Strata's public API: the names a script or notebook imports from `strata-sim`. Everything else under src/ is
 * internal and may move between versions; these names keep their meaning. The types these functions take and return
 * are exported too (as types) so a script can name them; tools/api-docs/typedoc.config.mjs lists the types further
 * down that are not. The reference docs/api/ is generated from these names and their doc comments
 * (`npm run docs:api`).
 *
 * ```ts
 * import { loadStandard, generatePattern, runDram, dramReport } from 'strata-sim';
 * ```
 *
 * @packageDocumentation
 */

/* Each `// Title: ...` comment below heads a section of the reference's index (tools/api-docs/index-sections.mjs). */

// Errors and spec provenance
export { StrataError } from './spec/errors.ts';
export { withOverrides, recordAssumptions, type Assumption, type Override } from './spec/provenance.ts';
export { PACKAGE_ROOT, ARCH_DIR } from './spec/package-root.ts';

// DRAM: standards, traffic, the simulation, the independent protocol checker
export { loadStandard, knownStandards, bytesPerRequest, type DramStandard } from './dram/standard.ts';
export type { Organization, TimingRule, WindowRule, PowerSpec, PathEnergySpec, ControllerSpec } from './dram/standard.ts';
export type { ExtraCommand } from './dram/commands.ts';
export type { MemTrace } from './dram/trace.ts';
export { generatePattern } from './dram/patterns.ts';
export type { PatternOptions } from './dram/patterns.ts';
export { runDram, type DramRunOptions, type DramRunResult } from './dram/run.ts';
export type { FrontendKind } from './dram/trace-frontend.ts';
export type { ChannelStats } from './dram/channel-stats.ts';
export type { EnergyBreakdown } from './dram/energy.ts';
export type { CycleWindow, BankStateWindow } from './dram/timeline.ts';
export { checkProtocol } from './dram/protocol-checker.ts';
export type { CheckOptions, Violation } from './dram/protocol-checker.ts';
export { logEntries } from './dram/command-log.ts';
export type { CommandLog, LoggedCommand } from './dram/command-log.ts';

// Workloads: models, steps, op graphs, request sets, device traces
export { loadModel, knownModels, type ModelSpec } from './compiler/model.ts';
export type { PublishedCount } from './compiler/model.ts';
export { decodeStep, prefillStep } from './compiler/step.ts';
export type { Step, StepRequest, Phase } from './ir/step.ts';
export { PHASES } from './ir/step.ts';
export { buildOpGraph } from './compiler/lower.ts';
export type { LowerOptions } from './compiler/lower.ts';
export type { Op, OpKind, OpClass } from './ir/op.ts';
export { OP_KINDS } from './ir/op.ts';
export { summarizeOps } from './compiler/summary.ts';
export type { OpSummary } from './compiler/summary.ts';
export { getPolicy } from './systems/registry.ts';
export type { MappingPolicy } from './compiler/policies/types.ts';
export { makeTrace, traceToJsonl, readTrace } from './compiler/trace.ts';
export type { DeviceTrace, TraceSource } from './compiler/trace.ts';
export { compileStep } from './systems/compile.ts';
export type { CompileOptions } from './systems/compile.ts';
export { generateRequests } from './compiler/requests.ts';
export type { GeneratorOptions, RequestSet } from './compiler/requests.ts';

// Device units
export { loadPimSpec } from './pim/pim-spec.ts';
export type { PimSpec, PimSpecOptions } from './pim/pim-spec.ts';
export { runPimGemv } from './systems/pim-gpt/gemv.ts';
export type { PimGemvRun } from './systems/pim-gpt/gemv.ts';
export type { AsicSpec } from './pim/asic.ts';
export type { PimLink } from './pim/pim-link.ts';
export { loadNpu } from './npu/spec.ts';
export type { NpuSpec } from './npu/spec.ts';

// Systems: the family registry (one SystemModel per folder of src/systems), and each family's own entry points
export { SYSTEM_MODELS, SYSTEM_FAMILIES, systemFamily, loadStepCostModel, type SystemFamily, type SystemModel, type CostModelOptions } from './systems/registry.ts';
export type { SystemCommand, ServingModel } from './systems/system-model.ts';
export { loadPimGptSystem, pimGptGenerate, PimGptMachine, type PimGptSystem, type PimGptGeneration } from './systems/pim-gpt/pim-gpt.ts';
export type { PimGptOptions, TokenCost, TokenTiming } from './systems/pim-gpt/pim-gpt.ts';
export { loadDuplexSystem } from './systems/duplex/duplex-system.ts';
export type { DuplexSystem } from './systems/duplex/duplex-system.ts';
export { duplexStepCoster } from './systems/duplex/duplex-step-cost.ts';
export type { DuplexCharge, DuplexStepCoster, DuplexStepCosterOptions } from './systems/duplex/duplex-step-cost.ts';
export { runNpuStep } from './systems/neupims/npu-run.ts';
export type { NpuRunOptions, NpuRunResult } from './systems/neupims/npu-run.ts';
export { loadNeuPimsSystem } from './systems/neupims/neupims-system.ts';
export type { NeuPimsSystem } from './systems/neupims/neupims-system.ts';
export { loadDevice, runOpsOnDevice } from './systems/baseline/roofline.ts';
export type { DevicePreset, RunOptions, BaselineRun } from './systems/baseline/roofline.ts';

// Serving
export { rooflineStepCost } from './systems/baseline/roofline-step-cost.ts';
export type { RooflineStepCostOptions } from './systems/baseline/roofline-step-cost.ts';
export type { StepCostModel, CostModelStats } from './serving/step-cost.ts';
export { simulateServing, type ServingResult, type RequestColumns, type StepColumns } from './serving/serving-loop.ts';
export { Column } from './serving/columns.ts';
export type { ServingInput, ServingConfig, RequestResult, StepResult } from './serving/serving-loop.ts';

// Reports
export { dramReport, type DramReport } from './report/dram-report.ts';
export type { DramReportOptions, DramBandwidthSeries, DramBankStates } from './report/dram-report.ts';
export { readReport } from './report/dram-report-file.ts';
export { reportCsvFiles } from './report/csv.ts';
export type { CsvFile } from './report/csv-format.ts';
export { servingReport, type ServingReport } from './report/serving-report.ts';
export type { ServingReportInput, ServingInlineLimits, ServingRequestRecord, ServingStepRecord, LatencyNs } from './report/serving-report.ts';
export type { SoftwareProfileInfo } from './report/run-report.ts';
export { validateReport } from './report/schema.ts';
export type { StrataReport } from './report/schema.ts';

// Validation and sensitivity
export { sensitivity, formatBands, type Band, type Headline, type Parts, type SensitivityResult } from './validation/sensitivity.ts';
export type { Swing } from './validation/sensitivity.ts';
