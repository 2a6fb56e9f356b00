/**
 * Interactive versions of the DRAM charts: plotly figure specs (plain JSON) built from a report.
 *
 * A pure function of the report, like the SVG charts, with the same palette, patterns, axis titles and units;
 * the HTML page only hands these specs to `Plotly.newPlot`.
 */
import { format, interpolateLab } from 'd3';
import type { DramReport } from '../src/report/dram-report.ts';
import {
  bankGrid,
  classStyle,
  commandClass,
  CLASS_LABEL,
  ENERGY_COMPONENTS,
  ENERGY_MODELS,
  energyLabel,
  formatMicrojoules,
  heatDomain,
  latencyStats,
  microjoules,
  type BankMetric,
} from './dram-charts.ts';
import { runSubtitle } from './dram-subtitle.ts';
import { bandwidthTimeData, bankStateLabel } from './dram-timeline-charts.ts';
import {
  BANK_STATE_KEYS,
  BANK_STATE_STYLE,
  DEVICE_STYLE,
  DRAM_CLASS_STYLE,
  FONT_FAMILY,
  HEAT_RAMP,
  INK,
  LINE_STYLES,
  plotlyPatternShape,
  SERIES_BAND,
  type SeriesStyle,
} from './palette.ts';
import { esc } from './svg.ts';

/** A plain JSON object (plotly traces, layouts, configs). */
export type Json = Record<string, unknown>;

/** One plotly figure of the report page. */
export interface PlotlyFigure {
  /** Element id of the figure's container on the page. */
  id: string;
  /** File stem of the matching static chart. */
  name: string;
  /** One sentence under the figure. */
  caption: string;
  /** Spans the whole width of the page (long time axes). */
  wide?: boolean;
  data: Json[];
  layout: Json;
  config: Json;
}

const thousands = format(',');

/** The layout every Strata figure shares: title and subtitle top left, fonts, colours, a horizontal legend above. */
export function baseLayout(title: string, subtitle: string, extra: Json): Json {
  return {
    title: {
      text: `<b>${esc(title)}</b><br><span style="font-size:11px;color:${INK.muted}">${esc(subtitle)}</span>`,
      // Left-aligned so that the mode bar (top right) never covers it.
      x: 0.01,
      xanchor: 'left',
      y: 0.97,
      yanchor: 'top',
    },
    font: { family: FONT_FAMILY, size: 12, color: INK.text },
    paper_bgcolor: INK.background,
    plot_bgcolor: INK.background,
    margin: { l: 72, r: 24, t: 96, b: 64 },
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.0, yanchor: 'bottom', traceorder: 'normal' },
    hoverlabel: { font: { family: FONT_FAMILY } },
    hovermode: 'closest',
    ...extra,
  };
}

/** The plotly config of a figure: no logo, SVG download named after the chart. */
export function config(name: string): Json {
  return {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ['lasso2d', 'select2d'],
    toImageButtonOptions: { format: 'svg', filename: name },
  };
}

/** A bar marker drawn with a series style: fill colour plus the same pattern as the SVG charts. */
export function barMarker(style: SeriesStyle): Json {
  const shape = plotlyPatternShape(style.pattern);
  return {
    color: style.fill,
    line: { color: INK.axis, width: 0.6 },
    // In plotly's default 'replace' fill mode the background is transparent unless set: paint it with the fill.
    ...(shape ? { pattern: { shape, bgcolor: style.fill, fgcolor: style.ink, fgopacity: 0.8, size: 7, solidity: 0.3 } } : {}),
  };
}

/** A value axis with a title (and its unit), grid and zero line. */
export function valueAxis(title: string, extra: Json = {}): Json {
  return { title: { text: title }, automargin: true, gridcolor: INK.grid, zeroline: true, zerolinecolor: INK.axis, linecolor: INK.axis, showline: true, ticks: 'outside', ...extra };
}

/** A category axis with a title. */
export function categoryAxis(title: string, extra: Json = {}): Json {
  return { title: { text: title }, automargin: true, type: 'category', linecolor: INK.axis, showline: true, ticks: 'outside', ...extra };
}

function bandwidthFigure(r: DramReport): PlotlyFigure {
  const labels = r.channels.map((c) => String(c.channel));
  const peak = r.bandwidth.peakGBps / Math.max(1, r.channels.length);
  const yMax = Math.max(peak, ...r.channels.map((c) => c.bandwidthGBps)) * 1.15 || 1;
  return {
    id: 'chart-channel-bandwidth',
    name: 'channel-bandwidth',
    caption: `Achieved bandwidth of each channel; the dashed line is the analytical peak of one channel (${r.bandwidth.peakGBps} GB/s over ${r.channels.length} channels). Whole device: ${r.bandwidth.achievedGBps} GB/s, ${r.bandwidth.percentOfPeak} % of peak.`,
    data: [
      {
        type: 'bar',
        name: 'achieved bandwidth',
        x: labels,
        y: r.channels.map((c) => c.bandwidthGBps),
        text: r.channels.map((c) => c.bandwidthGBps.toFixed(1)),
        textposition: 'outside',
        cliponaxis: false,
        customdata: r.channels.map((c) => [c.dataBusUtilisation * 100, c.completed]),
        marker: barMarker(DEVICE_STYLE.dram),
        hovertemplate: 'Channel %{x}<br>%{y:.3f} GB/s<br>data bus busy %{customdata[0]:.1f} % of the window<br>%{customdata[1]:,} requests<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: `analytical peak per channel (${format('.4~g')(peak)} GB/s)`,
        x: labels,
        y: labels.map(() => peak),
        line: { color: INK.reference, dash: 'dash', width: 2 },
        hovertemplate: 'analytical peak per channel: %{y:.3f} GB/s<extra></extra>',
      },
    ],
    layout: baseLayout('Bandwidth per channel', runSubtitle(r), {
      xaxis: categoryAxis('Channel'),
      yaxis: valueAxis('Bandwidth (GB/s)', { range: [0, yMax] }),
    }),
    config: config('channel-bandwidth'),
  };
}

function commandFigure(r: DramReport): PlotlyFigure {
  const entries = Object.entries(r.commands).filter(([, n]) => n > 0);
  const classes = [...new Set(entries.map(([k]) => commandClass(k)))];
  const perChannel = (k: string) => r.channels.map((c) => `ch ${c.channel}: ${thousands(c.commands[k] ?? 0)}`).join('<br>');
  return {
    id: 'chart-command-counts',
    name: 'command-counts',
    caption: `Commands issued over all channels, by kind (kinds never issued are left out); hover a bar for the count per channel.`,
    data: classes.map((cls) => {
      const mine = entries.filter(([k]) => commandClass(k) === cls);
      return {
        type: 'bar',
        name: CLASS_LABEL[cls],
        x: mine.map(([k]) => k),
        y: mine.map(([, n]) => n),
        text: mine.map(([, n]) => thousands(n)),
        textposition: 'outside',
        cliponaxis: false,
        customdata: mine.map(([k]) => perChannel(k)),
        marker: barMarker(classStyle(cls)),
        hovertemplate: `%{x} (${CLASS_LABEL[cls]}): %{y:,} commands<br>%{customdata}<extra></extra>`,
      };
    }),
    layout: baseLayout('Commands issued by kind', runSubtitle(r), {
      barmode: 'overlay',
      xaxis: categoryAxis('Command', { categoryorder: 'array', categoryarray: entries.map(([k]) => k) }),
      yaxis: valueAxis('Commands issued (count)', { range: [0, Math.max(1, ...entries.map(([, n]) => n)) * 1.15] }),
    }),
    config: config('command-counts'),
  };
}

function energyFigure(r: DramReport): PlotlyFigure {
  const components = ENERGY_COMPONENTS.filter((c) => ENERGY_MODELS.some((m) => r.energy[m.key][c] > 0));
  const models = ENERGY_MODELS.map((m) => m.label);
  const totals = ENERGY_MODELS.map((m) => components.reduce((s, c) => s + microjoules(r.energy[m.key][c]), 0));
  return {
    id: 'chart-energy-breakdown',
    name: 'energy-breakdown',
    caption: `Energy of the run by component in µJ, IDD model (${r.energy.pjPerBitIdd} pJ/bit, ${r.energy.averagePowerMwIdd} mW average) and per-bit path model side by side.`,
    data: components.map((c) => ({
      type: 'bar',
      name: energyLabel(c),
      x: models,
      y: ENERGY_MODELS.map((m) => microjoules(r.energy[m.key][c])),
      customdata: ENERGY_MODELS.map((m, i) => (100 * microjoules(r.energy[m.key][c])) / (totals[i]! || 1)),
      marker: barMarker(DRAM_CLASS_STYLE[c]),
      hovertemplate: `%{x}<br>${energyLabel(c)}: %{y:.3f} µJ (%{customdata:.1f} % of the model's total)<extra></extra>`,
    })),
    layout: baseLayout('Energy by component', runSubtitle(r), {
      barmode: 'stack',
      bargap: 0.45,
      xaxis: categoryAxis('Energy model'),
      yaxis: valueAxis('Energy (µJ)', { range: [0, Math.max(1e-9, ...totals) * 1.15] }),
      annotations: models.map((m, i) => ({
        x: m,
        y: totals[i]!,
        text: `<b>${formatMicrojoules(totals[i]!)} µJ</b>`,
        showarrow: false,
        yanchor: 'bottom',
        yshift: 4,
      })),
    }),
    config: config('energy-breakdown'),
  };
}

function heatmapFigure(r: DramReport, metric: BankMetric): PlotlyFigure {
  const grid = bankGrid(r, metric);
  const domain = heatDomain(metric, grid.values);
  const colour = interpolateLab(HEAT_RAMP[0], HEAT_RAMP[1]);
  const colorscale: Array<[number, string]> = [];
  for (let k = 0; k <= 10; k++) colorscale.push([k / 10, colour(k / 10)]);
  const fraction = metric === 'activeFraction';
  const name = fraction ? 'bank-activity' : 'bank-column-commands';
  const bankTitle = grid.multiRank ? 'Bank (rank.bank group.bank)' : 'Bank (bank group.bank)';
  return {
    id: `chart-${name}`,
    name,
    caption: fraction
      ? 'Fraction of the window during which each bank had a row open (darker is busier); hover a cell for its value.'
      : 'Column commands (reads and writes) issued to each bank; hover a cell for its count.',
    data: [
      {
        type: 'heatmap',
        name: fraction ? 'row-open time' : 'column commands',
        z: grid.values,
        x: grid.banks,
        y: grid.channels,
        zmin: domain[0],
        zmax: domain[1],
        colorscale,
        xgap: 1,
        ygap: 1,
        texttemplate: fraction ? '%{z:.2f}' : '%{z:,}',
        textfont: { size: 9 },
        colorbar: { title: { text: fraction ? 'Row-open time (fraction of window)' : 'Column commands (count)', side: 'right' }, outlinecolor: INK.axis, outlinewidth: 0.6 },
        hovertemplate: fraction
          ? 'Channel %{y}, bank %{x}<br>row open %{z:.1%} of the window<extra></extra>'
          : 'Channel %{y}, bank %{x}<br>%{z:,} column commands<extra></extra>',
      },
    ],
    layout: baseLayout(fraction ? 'Bank activity: time with a row open' : 'Column commands per bank', runSubtitle(r), {
      xaxis: categoryAxis(bankTitle),
      yaxis: categoryAxis('Channel', { autorange: 'reversed' }),
    }),
    config: config(name),
  };
}

function latencyFigure(r: DramReport): PlotlyFigure {
  const stats = latencyStats(r);
  const nsPerCycle = r.clock.periodPs / 1000;
  const symbols = { circle: 'circle', diamond: 'diamond', triangle: 'triangle-up', square: 'square' } as const;
  const none = r.requests.reads === 0;
  const xMax = Math.max(1, ...stats.map((s) => s.cycles)) * 1.12;
  const stems: Json = {
    type: 'scatter',
    mode: 'lines',
    name: 'stems',
    showlegend: false,
    hoverinfo: 'skip',
    x: stats.flatMap((s) => [0, s.cycles, null]),
    y: stats.flatMap((s) => [s.label, s.label, null]),
    line: { color: DEVICE_STYLE.dram.fill, width: 2 },
  };
  const markers: Json[] = stats.map((s) => ({
    type: 'scatter',
    mode: 'markers+text',
    name: s.label,
    x: [s.cycles],
    y: [s.label],
    text: [`${format(',.1~f')(s.cycles)} cycles`],
    textposition: 'top center',
    customdata: [s.cycles * nsPerCycle],
    marker: { symbol: symbols[s.marker], size: 13, color: DEVICE_STYLE.dram.fill, line: { color: INK.background, width: 1 } },
    hovertemplate: `${s.label} read latency<br>%{x:,} ${r.clock.name} cycles = %{customdata:,.1f} ns<extra></extra>`,
  }));
  return {
    id: 'chart-read-latency',
    name: 'read-latency',
    caption: none
      ? 'No reads completed in this window.'
      : `Read latency over ${thousands(r.requests.reads)} reads: median, mean, p99 and max, in cycles of the ${r.clock.name} clock (${r.clock.periodPs} ps); hover a marker for ns.`,
    data: none ? [] : [stems, ...markers],
    layout: baseLayout('Read latency', runSubtitle(r), {
      showlegend: false,
      xaxis: valueAxis(`Read latency (${r.clock.name} cycles; 1 cycle = ${thousands(r.clock.periodPs)} ps)`, { range: [0, xMax] }),
      yaxis: categoryAxis(`Statistic over ${thousands(r.requests.reads)} reads`, { autorange: 'reversed', categoryorder: 'array', categoryarray: stats.map((s) => s.label) }),
      ...(none ? { annotations: [{ text: 'no reads completed in this window', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] } : {}),
    }),
    config: config('read-latency'),
  };
}

const PLOTLY_SYMBOL = { circle: 'circle', square: 'square', triangle: 'triangle-up', diamond: 'diamond' } as const;

/** Bandwidth over time per channel: a line per channel (few channels) or the min–max band and mean (many). */
function bandwidthTimeFigure(r: DramReport): PlotlyFigure | null {
  const d = bandwidthTimeData(r);
  if (!d) return null;
  const tEnd = r.window.timeNs * (d.unit === 'ns' ? 1 : d.unit === 'µs' ? 1e-3 : 1e-6);
  const hover = (label: string) => `${label}<br>%{x:,.4~r} ${d.unit}: %{y:.2f} GB/s<extra></extra>`;
  const data: Json[] = [];
  if (d.mode === 'lines') {
    d.lines.forEach((l, i) => {
      const st = LINE_STYLES[i]!;
      data.push({
        type: 'scatter', mode: 'lines+markers', name: l.label, x: l.t, y: l.gbps,
        line: { color: st.stroke, width: 1.6, dash: st.dash ? st.dash.split(' ').map((v) => `${v}px`).join(',') : 'solid' },
        marker: { symbol: `${PLOTLY_SYMBOL[st.marker]}${st.filled ? '' : '-open'}`, size: 7, color: st.stroke, maxdisplayed: 12 },
        hovertemplate: hover(l.label),
      });
    });
  } else {
    const [max, mean, min] = d.lines;
    data.push({ type: 'scatter', mode: 'lines', name: max!.label, x: max!.t, y: max!.gbps, line: { color: SERIES_BAND.edge, width: 0.8 }, showlegend: false, hovertemplate: hover(max!.label) });
    data.push({
      type: 'scatter', mode: 'lines', name: `range over ${r.channels.length} channels (min to max)`, x: min!.t, y: min!.gbps,
      fill: 'tonexty', fillcolor: SERIES_BAND.fill, line: { color: SERIES_BAND.edge, width: 0.8 }, hovertemplate: hover(min!.label),
    });
    data.push({ type: 'scatter', mode: 'lines', name: mean!.label, x: mean!.t, y: mean!.gbps, line: { color: SERIES_BAND.mean, width: 1.8 }, hovertemplate: hover(mean!.label) });
  }
  data.push({
    type: 'scatter', mode: 'lines', name: `analytical peak per channel (${format('.4~g')(d.peakPerChannelGBps)} GB/s)`,
    x: [0, tEnd], y: [d.peakPerChannelGBps, d.peakPerChannelGBps], line: { color: INK.reference, dash: 'dash', width: 2 },
    hovertemplate: 'analytical peak per channel: %{y:.3f} GB/s<extra></extra>',
  });
  const yMax = Math.max(d.peakPerChannelGBps, ...d.lines.flatMap((l) => l.gbps)) * 1.1 || 1;
  return {
    id: 'chart-bandwidth-time',
    name: 'bandwidth-time',
    wide: true,
    caption: `Bandwidth of ${d.mode === 'lines' ? 'each channel' : `the ${r.channels.length} channels (their range and mean)`} over time, one point per epoch of ${thousands(d.epochCycles)} ${r.clock.name} cycles (${format(',.4~r')(d.epochNs)} ns); drag to zoom, double-click to reset.`,
    data,
    layout: baseLayout('Bandwidth over time per channel', runSubtitle(r), {
      xaxis: valueAxis(`Time (${d.unit})`, { range: [0, tEnd] }),
      yaxis: valueAxis('Bandwidth per channel (GB/s)', { range: [0, yMax] }),
    }),
    config: config('bandwidth-time'),
  };
}

/** Most columns of the interactive bank-state heat map (cycles are binned above that). */
const MAX_STATE_COLUMNS = 400;

/** Bank states over the window as a heat map: each cell is the state a bank spent most of a bin of cycles in. */
function bankStateFigure(r: DramReport): PlotlyFigure | null {
  const w = r.bankStates;
  if (!w || w.banks.length === 0) return null;
  const span = w.endCycle - w.startCycle;
  const bin = Math.max(1, Math.ceil(span / MAX_STATE_COLUMNS));
  const columns = Math.ceil(span / bin);
  const multiRank = w.banks.some((b) => b.rank > 0);
  const x = Array.from({ length: columns }, (_, k) => w.startCycle + k * bin);
  const z: number[][] = [];
  const text: string[][] = [];
  const cycles = new Float64Array(BANK_STATE_KEYS.length);
  for (const b of w.banks) {
    const row: number[] = [];
    let run = 0;
    for (let k = 0; k < columns; k++) {
      const from = w.startCycle + k * bin;
      const to = Math.min(from + bin, w.endCycle);
      cycles.fill(0);
      while (run < b.runs.length && b.runs[run]![1] <= from) run++;
      for (let j = run; j < b.runs.length && b.runs[j]![0] < to; j++) {
        const [f, t, s] = b.runs[j]!;
        cycles[s]! += Math.min(t, to) - Math.max(f, from);
      }
      // The state that fills most of the bin; ties go to the busier state.
      let best = 0;
      for (let s = 1; s < cycles.length; s++) if (cycles[s]! >= cycles[best]!) best = s;
      row.push(best);
    }
    z.push(row);
    text.push(row.map((s) => BANK_STATE_KEYS[s]!));
  }
  const n = BANK_STATE_KEYS.length;
  const colorscale: Array<[number, string]> = [];
  BANK_STATE_KEYS.forEach((k, i) => {
    colorscale.push([i / n, BANK_STATE_STYLE[k].fill], [(i + 1) / n, BANK_STATE_STYLE[k].fill]);
  });
  return {
    id: 'chart-bank-states',
    name: 'bank-states',
    wide: true,
    caption: `State of each of ${w.banks.length} banks over cycles ${thousands(w.startCycle)}–${thousands(w.endCycle)}${bin > 1 ? ` (each cell: the state that fills most of ${bin} cycles)` : ''}: idle (precharged), active (row open), reading, writing, refreshing; hover a cell for the bank, cycle and state.`,
    data: [
      {
        type: 'heatmap',
        name: 'bank state',
        z,
        x,
        y: w.banks.map((b) => bankStateLabel(b, multiRank)),
        text,
        zmin: -0.5,
        zmax: n - 0.5,
        colorscale,
        colorbar: {
          title: { text: 'Bank state', side: 'right' },
          tickvals: BANK_STATE_KEYS.map((_, i) => i),
          ticktext: BANK_STATE_KEYS.map((k) => k),
          outlinecolor: INK.axis,
          outlinewidth: 0.6,
        },
        hovertemplate: `Bank %{y} (channel.${multiRank ? 'rank.' : ''}bank group.bank)<br>${bin > 1 ? `cycles from %{x:,} (a bin of ${bin})` : 'cycle %{x:,}'}<br>%{text}<extra></extra>`,
      },
    ],
    layout: baseLayout('Bank states over time', runSubtitle(r), {
      height: Math.max(440, Math.min(900, w.banks.length * 4 + 200)),
      xaxis: { title: { text: `Cycle (${r.clock.name} clock; 1 cycle = ${thousands(r.clock.periodPs)} ps)` }, automargin: true, linecolor: INK.axis, showline: true, ticks: 'outside' },
      yaxis: categoryAxis(`Bank (${w.banks.length} banks)`, { autorange: 'reversed', showticklabels: w.banks.length <= 64 }),
    }),
    config: config('bank-states'),
  };
}

/** The interactive figures of a DRAM report, in the same order as the static charts (time series when the report has them). */
export function dramPlotlyFigures(r: DramReport): PlotlyFigure[] {
  return [
    bandwidthFigure(r),
    bandwidthTimeFigure(r),
    commandFigure(r),
    energyFigure(r),
    heatmapFigure(r, 'activeFraction'),
    heatmapFigure(r, 'columnCommands'),
    bankStateFigure(r),
    latencyFigure(r),
  ].filter((f): f is PlotlyFigure => f !== null);
}
