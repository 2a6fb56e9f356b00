// TypeDoc options for docs/api/ (`npm run docs:api` at the repository root; test/docs/api-reference.test.ts checks
// that docs/api/ is what these options generate, with no warnings).
/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints: ['../../src/index.ts'],
  // Only the files src/index.ts reaches, so the program is small; `npx tsc` (TypeScript 7) does the type checking.
  tsconfig: 'tsconfig.json',
  skipErrorChecking: true,
  // Markdown, which GitHub renders: one page per exported name, properties and parameters as tables; the index
  // (README.md) has the sections of src/index.ts (index-sections.mjs), each name with its comment's first paragraph.
  plugin: ['typedoc-plugin-markdown', './index-sections.mjs'],
  indexFormat: 'table',
  out: '../../docs/api',
  name: 'strata-sim',
  readme: 'none',
  hidePageHeader: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  propertyMembersFormat: 'table',
  // Members in the order their interface or class declares them, which groups related fields.
  sort: ['kind', 'instance-first', 'source-order'],
  // No "Defined in file:line" links: they would change with every edit of a source file, not only of the API.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  // Every exported name has a doc comment (a rule of the project's style); not every property of the interfaces has one.
  requiredToBeDocumented: ['Enum', 'EnumMember', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Method', 'Accessor'],
  // Types the API reaches but src/index.ts does not export, so the reference names them without a page of their
  // own. The engine parts PimGptMachine exposes as fields are internal; the others are fields of fields (the types a
  // caller passes to or gets from an exported function, and the fields of those, are exported). To give one a page,
  // export it from src/index.ts and remove it here; a type the API newly reaches must go in one place or the other.
  intentionallyNotExported: [
    'Simulator', 'PimChannel', 'Asic', 'ProgramMemo',
    'ArrayDataflow', 'ArrivalProcess', 'Assignment', 'AttentionPlacement', 'BaselineOpRecord', 'BatchEntry',
    'ChannelBalancing', 'CriticalPath', 'DuplexCosterStats', 'DuplexPim', 'DuplexSplit', 'DuplexStepSummary',
    'FigureData', 'Interconnect', 'LengthModel', 'Mapping', 'MappingInput', 'MappingTarget', 'NpuAttentionSchedule',
    'NpuChannelStats', 'NpuOpRecord', 'OpTotals', 'Parallelism', 'PimCommandSet', 'PimGemvPlan', 'PimGptEnergy',
    'PimUnitSpec', 'Precision', 'Request', 'RequestSetOrigin', 'RunReport', 'SoftwareProfile', 'SramSpec',
    'StepBatch', 'StepCost', 'SystemMemory', 'TokenSpan', 'TraceHeader',
  ],
};
