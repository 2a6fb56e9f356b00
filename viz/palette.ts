/**
 * Colours and fill patterns shared by every Strata chart (SVG and HTML).
 *
 * One colour per device kind everywhere. The colours come from colour-blind-safe families (Okabe–Ito-like hues)
 * and are spread in CIE L* lightness (17 → 85, at least 8 apart) so that they stay apart when printed in
 * greyscale; each device kind also has its own fill pattern for figures where two kinds of similar lightness
 * sit side by side.
 */

/** A fill pattern, drawn the same way in SVG (`<pattern>`) and plotly (`marker.pattern.shape`). */
export type PatternKind = 'solid' | 'diagonal' | 'back-diagonal' | 'cross' | 'dots' | 'horizontal' | 'vertical' | 'grid';

/** How one series is drawn: fill colour, pattern, and the colour of the pattern strokes and of text on it. */
export interface SeriesStyle {
  fill: string;
  pattern: PatternKind;
  /** Pattern strokes and labels drawn on this fill (white on dark fills, near-black on light ones). */
  ink: string;
}

/** Device kinds that charts colour consistently. */
export const DEVICE_KINDS = ['dram', 'pim', 'npu', 'asic', 'xpu', 'gpu', 'cpu'] as const;
/** A device kind. */
export type DeviceKind = (typeof DEVICE_KINDS)[number];

const WHITE = '#ffffff';
const BLACK = '#1a1a1a';

/** The style of each device kind; the comment gives CIE L* (lightness) for greyscale printing. */
export const DEVICE_STYLE: Readonly<Record<DeviceKind, SeriesStyle>> = Object.freeze({
  cpu: { fill: '#2b2b2b', pattern: 'vertical', ink: WHITE }, // L* 17.5
  dram: { fill: '#1f4e96', pattern: 'solid', ink: WHITE }, // L* 33.2
  npu: { fill: '#c4401a', pattern: 'diagonal', ink: WHITE }, // L* 47.0
  pim: { fill: '#19967a', pattern: 'back-diagonal', ink: WHITE }, // L* 55.3
  asic: { fill: '#d77fbf', pattern: 'dots', ink: BLACK }, // L* 64.6
  gpu: { fill: '#74c0f0', pattern: 'horizontal', ink: BLACK }, // L* 74.2
  xpu: { fill: '#f5cf3a', pattern: 'cross', ink: BLACK }, // L* 84.6
});

/** The colour of a device kind. */
export function deviceColour(kind: DeviceKind): string {
  return DEVICE_STYLE[kind].fill;
}

/** Classes of DRAM activity shared by command counts and energy breakdowns. */
export const DRAM_CLASSES = ['activate', 'precharge', 'read', 'write', 'refresh', 'background', 'io'] as const;
/** A class of DRAM activity. */
export type DramClass = (typeof DRAM_CLASSES)[number];

/**
 * Styles of DRAM activity classes: the DRAM hue at seven lightness steps (L* 25, 36, …, 91, 11 apart) with a
 * different pattern each, so that a class reads the same in every chart and in greyscale, and stays "DRAM blue".
 */
export const DRAM_CLASS_STYLE: Readonly<Record<DramClass, SeriesStyle>> = Object.freeze({
  activate: { fill: '#003c80', pattern: 'solid', ink: WHITE },
  precharge: { fill: '#345494', pattern: 'dots', ink: WHITE },
  read: { fill: '#596fa9', pattern: 'diagonal', ink: WHITE },
  write: { fill: '#7b8bbd', pattern: 'back-diagonal', ink: BLACK },
  refresh: { fill: '#9ca8d2', pattern: 'horizontal', ink: BLACK },
  background: { fill: '#bdc6e7', pattern: 'cross', ink: BLACK },
  io: { fill: '#dfe5fc', pattern: 'vertical', ink: BLACK },
});

/** Classes of in-bank PIM activity shared by the PIM-GPT latency and energy breakdowns. */
export const PIM_CLASSES = ['activate', 'arrayRead', 'mac', 'io', 'refresh', 'background'] as const;
/** A class of in-bank PIM activity. */
export type PimClass = (typeof PIM_CLASSES)[number];

/**
 * Styles of PIM activity classes: the PIM hue (CIE LCh h 172) at six lightness steps (L* 25.5, 35.9, 46.3, 56.8,
 * 78.9, 90.1) with a different pattern each, so that PIM work reads as "PIM green" beside the ASIC's own style
 * (L* 64.6, dots) in stacked breakdowns, and in greyscale. Time classes map onto these: row activation and
 * precharge → `activate`, data movement → `io`.
 */
export const PIM_CLASS_STYLE: Readonly<Record<PimClass, SeriesStyle>> = Object.freeze({
  activate: { fill: '#004630', pattern: 'solid', ink: WHITE },
  arrayRead: { fill: '#006149', pattern: 'dots', ink: WHITE },
  mac: { fill: '#007d63', pattern: 'diagonal', ink: WHITE },
  io: { fill: '#219a7e', pattern: 'back-diagonal', ink: WHITE },
  refresh: { fill: '#69d7b8', pattern: 'horizontal', ink: BLACK },
  background: { fill: '#b5efdc', pattern: 'cross', ink: BLACK },
});

/** Parts of an op's time in the analytical roofline: the larger of compute and memory time, plus launch. */
export const ROOFLINE_PARTS = ['compute', 'memory', 'launch'] as const;
/** A part of an op's time. */
export type RooflinePart = (typeof ROOFLINE_PARTS)[number];

/**
 * Styles of roofline time parts: a violet family (LCh h 295, L* 30, 55, 82) that no device kind uses, so that
 * "memory-bound" is never mistaken for DRAM nor "compute-bound" for an NPU.
 */
export const ROOFLINE_PART_STYLE: Readonly<Record<RooflinePart, SeriesStyle>> = Object.freeze({
  compute: { fill: '#463f80', pattern: 'diagonal', ink: WHITE },
  memory: { fill: '#877bc3', pattern: 'dots', ink: WHITE },
  launch: { fill: '#cfc7ee', pattern: 'horizontal', ink: BLACK },
});

/**
 * The band that marks a published range (a paper's reported span) behind bars: the reference red of `INK` at
 * 10 % over white (opaque, so that legends show the same colour), between dashed edges in the reference red, so
 * that it reads as "reference" like the peak lines and stays visible in greyscale.
 */
export const REFERENCE_BAND = Object.freeze({ fill: '#f7e6e9', stroke: '#b00020', dash: '5 3' });

/** Marker shapes of line charts (drawn by `marker` in svg.ts, and as plotly symbols). */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

/** How one line of a line chart is drawn: stroke colour, dash pattern, marker shape and whether it is filled. */
export interface LineStyle {
  stroke: string;
  /** SVG `stroke-dasharray` ('' for a solid line). */
  dash: string;
  marker: MarkerShape;
  /** Filled marker, or hollow (white inside). */
  filled: boolean;
}

/**
 * Styles of up to eight lines of one kind (channels of one DRAM): the DRAM hue at L* 17 to 59, each with its
 * own dash pattern and marker (four shapes, filled then hollow), so that lines stay apart in greyscale and where
 * they cross. Line charts with more series show a band instead.
 */
export const LINE_STYLES: readonly LineStyle[] = Object.freeze([
  { stroke: '#0b2a5c', dash: '', marker: 'circle', filled: true },
  { stroke: '#1f4e96', dash: '8 3', marker: 'square', filled: true },
  { stroke: '#3a62a8', dash: '3 2.5', marker: 'triangle', filled: true },
  { stroke: '#14386f', dash: '10 3 2 3', marker: 'diamond', filled: true },
  { stroke: '#5479bd', dash: '1.5 2.5', marker: 'circle', filled: false },
  { stroke: '#2a549c', dash: '14 4', marker: 'square', filled: false },
  { stroke: '#6d8fd0', dash: '6 2 2 2 2 2', marker: 'triangle', filled: false },
  { stroke: '#0f305f', dash: '4 5', marker: 'diamond', filled: false },
]);

/** The band of a line chart with many series: their range (min to max) and their mean. */
export const SERIES_BAND = Object.freeze({ fill: '#c9d4ee', edge: '#5479bd', mean: '#0b2a5c' });

/** States of a DRAM bank in the bank-state heat map (`BANK_STATES` of src/dram/timeline.ts). */
export const BANK_STATE_KEYS = ['idle', 'active', 'reading', 'writing', 'refreshing'] as const;

/**
 * Styles of bank states: lightness falls with activity (CIE L* 97, 78, 48, 27, 7; at least 18 apart) so that the
 * heat map reads in greyscale, in the DRAM hue except idle (neutral) and refreshing (near-black); reads and writes
 * also carry the read and write patterns of `DRAM_CLASS_STYLE`.
 */
export const BANK_STATE_STYLE: Readonly<Record<(typeof BANK_STATE_KEYS)[number], SeriesStyle>> = Object.freeze({
  idle: { fill: '#f6f6f6', pattern: 'solid', ink: BLACK },
  active: { fill: '#b0c2e8', pattern: 'solid', ink: BLACK },
  reading: { fill: '#4a72b8', pattern: 'diagonal', ink: WHITE },
  writing: { fill: '#1a3f7e', pattern: 'back-diagonal', ink: WHITE },
  refreshing: { fill: '#161616', pattern: 'horizontal', ink: WHITE },
});

/** Command kinds marked on the bank-state heat map (`BANK_COMMAND_KINDS` of src/dram/timeline.ts). */
export const BANK_COMMAND_KEYS = ['ACT', 'RD', 'WR', 'PRE', 'REF'] as const;

/** The glyph of a command mark: a triangle up (opens a row), down (closes it), a bar (a column command), a dot. */
export type CommandGlyph = 'up' | 'down' | 'bar' | 'dot';

/**
 * Styles of command marks on the bank-state heat map: Okabe-Ito hues that stand apart from the blue-to-black state
 * fills, and glyphs that differ in shape as well (ACT and PRE are triangles pointing opposite ways), with a dark
 * outline so that each reads on idle, open and refreshing cells alike.
 */
export const BANK_COMMAND_STYLE: Readonly<Record<(typeof BANK_COMMAND_KEYS)[number], { fill: string; glyph: CommandGlyph }>> = Object.freeze({
  ACT: { fill: '#e69f00', glyph: 'up' },
  RD: { fill: '#f0e442', glyph: 'bar' },
  WR: { fill: '#cc79a7', glyph: 'bar' },
  PRE: { fill: WHITE, glyph: 'down' },
  REF: { fill: '#56b4e9', glyph: 'dot' },
});

/** Sequential scale of heat maps: near-white to dark DRAM blue, monotone in lightness (greyscale-safe). */
export const HEAT_RAMP: readonly [string, string] = ['#f4f6fb', '#0b2a5c'];

/** Neutral colours of axes, grids, reference lines and text. */
export const INK = Object.freeze({
  text: BLACK,
  muted: '#555555',
  axis: '#333333',
  grid: '#e3e3e3',
  reference: '#b00020',
  background: WHITE,
});

/** Font stack of every chart (DejaVu Sans ships with Debian's chromium and most TeX setups). */
export const FONT_FAMILY = "'DejaVu Sans', Helvetica, Arial, sans-serif";

/** The plotly `marker.pattern.shape` for a pattern kind. */
export function plotlyPatternShape(p: PatternKind): string {
  switch (p) {
    case 'solid':
      return '';
    case 'diagonal':
      return '/';
    case 'back-diagonal':
      return '\\';
    case 'cross':
      return 'x';
    case 'dots':
      return '.';
    case 'horizontal':
      return '-';
    case 'vertical':
      return '|';
    case 'grid':
      return '+';
    default: {
      const never: never = p;
      throw new Error(`internal invariant broken: unknown pattern ${String(never)}`);
    }
  }
}

/** Latency metrics of serving reports drawn as CDF lines. */
export const SERVING_LATENCY_KEYS = ['ttft', 'tbt', 'e2e'] as const;
/** A serving latency metric. */
export type ServingLatencyKey = (typeof SERVING_LATENCY_KEYS)[number];

/**
 * Styles of the serving latency CDFs: an ochre-brown family (CIE LCh h ≈ 70, which no device kind uses) at L* 22,
 * 43 and 60, each with its own dash pattern and marker, so that the three curves stay apart in greyscale and where
 * they cross.
 */
export const SERVING_LATENCY_STYLE: Readonly<Record<ServingLatencyKey, LineStyle>> = Object.freeze({
  ttft: { stroke: '#4b2e0a', dash: '', marker: 'circle', filled: true },
  tbt: { stroke: '#8c5a1c', dash: '8 3', marker: 'square', filled: true },
  e2e: { stroke: '#b9853a', dash: '2 2.5', marker: 'triangle', filled: false },
});

/** Parts of a serving step: requests (or tokens) in prefill and in decode. */
export const SERVING_PHASES = ['prefill', 'decode'] as const;
/** A part of a serving step. */
export type ServingPhase = (typeof SERVING_PHASES)[number];

/**
 * Styles of prefill and decode work in serving charts: the serving ochre at L* 28 (diagonal hatching) and L* 74
 * (solid), 46 apart, so that stacked areas read in greyscale.
 */
export const SERVING_PHASE_STYLE: Readonly<Record<ServingPhase, SeriesStyle>> = Object.freeze({
  prefill: { fill: '#5a3a10', pattern: 'diagonal', ink: WHITE },
  decode: { fill: '#dcae6e', pattern: 'solid', ink: BLACK },
});

/** The line of requests waiting in the queue (neutral near-black, dashed: not a kind of work). */
export const SERVING_WAITING_LINE: LineStyle = Object.freeze({ stroke: BLACK, dash: '4 3', marker: 'diamond', filled: false });
