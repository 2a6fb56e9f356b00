import { DRAM_CLASS_STYLE, PIM_CLASS_STYLE } from '../../viz/palette.ts';
import { bankCount, bankIndex, bankSpans, banksAt, type BankSpan, type BankView } from './bank-state.ts';
import { bindingRuleCounts, studioExamples, type StudioCommand, type StudioData, type StudioExample, type StudioInput, type StudioRun } from './simulate.ts';
import type { StudioReply, StudioRequest } from './worker.ts';

// The studio page's script (vanilla TypeScript, bundled by src/studio/build.ts). It starts the simulator's worker
// from the page's inline source, sends it the standards, runs what the student picks and draws the selected
// command's moment: the explanation, every bank's state, and a timeline of the bus and each bank.

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const SVG = 'http://www.w3.org/2000/svg';

const data = JSON.parse($('studio-data').textContent!) as StudioData;
const workerUrl = URL.createObjectURL(new Blob([$('studio-worker').textContent!], { type: 'text/javascript' }));
const worker = new Worker(workerUrl);
worker.postMessage({ type: 'data', data } satisfies StudioRequest);

interface State {
  run: StudioRun | null;
  /** The channel shown, and its commands. */
  channel: number;
  commands: readonly StudioCommand[];
  spans: BankSpan[];
  step: number;
  playing: number | null;
  pending: number;
  focus: ((run: StudioRun) => number) | null;
}
const state: State = { run: null, channel: 0, commands: [], spans: [], step: 0, playing: null, pending: 0, focus: null };

/** Exposed for the browser tests: the current run, channel and step, and a way to select a command. */
(window as unknown as { studio: unknown }).studio = {
  get run() { return state.run; },
  get channel() { return state.channel; },
  get commands() { return state.commands; },
  get step() { return state.step; },
  select: (i: number) => select(i),
  runInput: (input: StudioInput) => start(input, null, ''),
};

function setStatus(text: string, error = false): void {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}

/** Colour of a command mark: the DRAM activity classes, and the PIM ones for the commands a PIM spec adds. */
function commandColour(std: StudioRun['standard'], name: string): string {
  switch (name) {
    case 'ACT': return DRAM_CLASS_STYLE.activate.fill;
    case 'PRE': case 'PREA': return DRAM_CLASS_STYLE.precharge.fill;
    case 'RD': case 'RDA': return DRAM_CLASS_STYLE.read.fill;
    case 'WR': case 'WRA': return DRAM_CLASS_STYLE.write.fill;
    case 'REF': case 'REFpb': return DRAM_CLASS_STYLE.refresh.fill;
    default: break;
  }
  const x = std.extraCommands.find((e) => e.name === name);
  if (!x) return '#888';
  if (x.rowEffect === 'open') return PIM_CLASS_STYLE.activate.fill;
  if (x.rowEffect === 'close') return PIM_CLASS_STYLE.arrayRead.fill;
  return x.dataBytes > 0 ? PIM_CLASS_STYLE.io.fill : PIM_CLASS_STYLE.mac.fill;
}

const SPAN_FILL: Record<string, string> = { open: '#dfe5fc', refreshing: '#9ca8d2', pim: '#b9ecd9' };

function bankName(run: StudioRun, b: number): string {
  const o = run.standard.organization;
  const perRank = o.bankGroups * o.banksPerGroup;
  const r = Math.floor(b / perRank);
  const g = Math.floor((b % perRank) / o.banksPerGroup);
  return `${o.ranks > 1 ? `r${r} ` : ''}bg${g} b${b % o.banksPerGroup}`;
}

function commandBanks(run: StudioRun, c: StudioCommand): string {
  const o = run.standard.organization;
  if (c.command === 'REF' || c.command === 'PREA') return o.ranks > 1 ? `rank ${c.rank}, all banks` : 'all banks';
  const x = run.standard.extraCommands.find((e) => e.name === c.command);
  if (x && x.scope === 'channel') return "the channel's shared logic";
  if (x && x.scope !== 'bank') return x.scope === 'bankgroup' ? `bg${c.bankGroup}, all banks` : 'all banks';
  return bankName(run, bankIndex(run.standard, c));
}

/** Who a NeuPIMs command served. */
const SOURCE_WORDS: Record<string, string> = { pim: 'PIM program', npu: 'NPU request', refresh: 'refresh' };

/** Which row buffer a command uses, on dual-buffer banks. */
function bufferOf(run: StudioRun, name: string): 0 | 1 | null {
  if (run.rowBuffers < 2) return null;
  const x = run.standard.extraCommands.find((e) => e.name === name);
  if (x) return x.rowEffect === 'none' ? null : x.rowBuffer === 1 ? 1 : 0;
  return name === 'REF' || name === 'REFpb' ? null : 0;
}

function bufferWords(run: StudioRun, c: StudioCommand): string {
  const b = bufferOf(run, c.command);
  return b === null ? '' : b === 1 ? ' (PIM row buffer)' : ' (memory row buffer)';
}

/** The banks a command acts on (the timeline's rows and the grid's outlines). */
function targetBanks(run: StudioRun, k: StudioCommand): Set<number> {
  const o = run.standard.organization;
  const perRank = o.bankGroups * o.banksPerGroup;
  const x = run.standard.extraCommands.find((e) => e.name === k.command);
  const out = new Set<number>();
  if (x && x.scope === 'channel') return out; // the channel's shared logic (a global buffer)
  if (x && x.scope === 'bankgroup') {
    for (let b = 0; b < o.banksPerGroup; b++) out.add((k.rank * o.bankGroups + k.bankGroup) * o.banksPerGroup + b);
  } else if (x?.scope === 'all-ranks') {
    for (let b = 0; b < o.ranks * perRank; b++) out.add(b);
  } else if (k.command === 'REF' || k.command === 'PREA' || (x && x.scope !== 'bank')) {
    for (let b = 0; b < perRank; b++) out.add(k.rank * perRank + b);
  } else {
    out.add(bankIndex(run.standard, k));
  }
  return out;
}

function start(input: StudioInput, focus: ((run: StudioRun) => number) | null, lesson: string): void {
  stop();
  const id = ++state.pending;
  state.focus = focus;
  const l = $('lesson');
  l.textContent = lesson;
  l.style.display = lesson ? 'block' : 'none';
  setStatus('simulating…');
  worker.postMessage({ type: 'run', id, input } satisfies StudioRequest);
}

worker.onmessage = (e: MessageEvent<StudioReply>) => {
  const m = e.data;
  if (m.id !== state.pending) return;
  if ('error' in m) {
    setStatus(m.error, true);
    return;
  }
  const run = m.run;
  state.run = run;
  setStatus(`simulated in ${m.ms} ms`);
  const all = run.channels.reduce((n, c) => n + c.length, 0);
  $('summary').textContent = `${run.title}. ${all} commands over ${run.cycles} cycles (tCK ${run.tCKPs} ps). ${run.notes.join(' ')}`;
  const channel = $<HTMLSelectElement>('channel');
  channel.replaceChildren(...run.channels.map((c, i) => new Option(`${i} (${c.length > 0 ? `${c.length} commands` : 'idle'})`, String(i))));
  // The picker shows when more than one channel has work (a GEMV over channels, a trace the mapping spreads).
  $('channel-box').hidden = run.channels.filter((c) => c.length > 0).length < 2;
  showChannel(Math.max(0, run.channels.findIndex((c) => c.length > 0)), state.focus ? state.focus(run) : 0);
};

/** Shows channel `ch` of the run (its bank grid, timeline and commands) with command `step` selected. */
function showChannel(ch: number, step: number): void {
  const run = state.run!;
  stop();
  state.channel = ch;
  state.commands = run.channels[ch]!;
  $<HTMLSelectElement>('channel').value = String(ch);
  state.spans = bankSpans(run.standard, state.commands, run.cycles);
  const top = bindingRuleCounts(state.commands).slice(0, 6);
  const which = $('channel-box').hidden ? '' : ` on channel ${ch}`;
  $('rules').textContent = top.length ? `What held commands back most often${which}: ${top.map((r) => `${r.rule} (${r.commands})`).join(' · ')}` : '';
  $<HTMLInputElement>('slider').max = String(Math.max(0, state.commands.length - 1));
  if (state.commands.length === 0) {
    $('position').textContent = `channel ${ch}: no commands`;
    $('explain').querySelector('.message')!.textContent = `Channel ${ch} issued no command in this run.`;
    const busy = run.channels.map((k, i) => (k.length > 0 ? i : -1)).filter((i) => i >= 0);
    $('explain').querySelector('.detail')!.textContent = `Channels with commands: ${busy.join(', ')}.`;
    $('explain').querySelector('.late')!.textContent = '';
    $('banks').replaceChildren();
    $('timeline').replaceChildren();
    $('timeline-legend').replaceChildren();
    $('list').querySelector('tbody')!.replaceChildren();
    return;
  }
  select(step);
}

function select(i: number): void {
  if (!state.run || state.commands.length === 0) return;
  state.step = Math.max(0, Math.min(state.commands.length - 1, i));
  render();
}

function stop(): void {
  if (state.playing !== null) clearInterval(state.playing);
  state.playing = null;
  $('play').textContent = '▶ play';
}

function play(): void {
  if (state.playing !== null) return stop();
  if (!state.run || state.commands.length === 0) return;
  if (state.step >= state.commands.length - 1) state.step = -1;
  $('play').textContent = '⏸ pause';
  state.playing = window.setInterval(() => {
    if (!state.run || state.step >= state.commands.length - 1) return stop();
    select(state.step + 1);
  }, 350);
}

function render(): void {
  const run = state.run!;
  const c = state.commands[state.step]!;
  $<HTMLInputElement>('slider').value = String(state.step);
  $('position').textContent = `${$('channel-box').hidden ? '' : `channel ${state.channel} · `}command ${state.step + 1} of ${state.commands.length} · cycle ${c.cycle}`;
  renderExplanation(run, c);
  renderBanks(run, c);
  renderTimeline(run, c);
  renderList(run);
}

function renderExplanation(run: StudioRun, c: StudioCommand): void {
  const box = $('explain');
  box.querySelector('.message')!.textContent = c.message;
  const h = c.heldBy;
  const where = `${c.source ? `${SOURCE_WORDS[c.source]}: ` : ''}${c.command} to ${commandBanks(run, c)}${c.row >= 0 ? `, row ${c.row}` : ''}${bufferWords(run, c)}`;
  const detail = h
    ? `${where}. Rule: ${h.text}${h.kind === 'rule' ? '' : ' (rolling window)'}. Earlier command: #${h.prevIndex + 1} ${h.prevCommand} at cycle ${h.prevCycle}. Earliest legal cycle ${c.earliestCycle}, issued at ${c.cycle}.`
    : `${where}. Issued at cycle ${c.cycle}.`;
  box.querySelector('.detail')!.textContent = detail;
  box.querySelector('.late')!.textContent = lateWords(c);
}

/** Why a command issued after its earliest legal cycle: the commands that took the bus in between (not a timing rule). */
function lateWords(c: StudioCommand): string {
  // A command no rule constrained waited for its request (or the controller's pipeline), which the message says.
  if (c.cycle <= c.earliestCycle || !c.heldBy) return '';
  const between: string[] = [];
  let pimFirst = false;
  for (let i = state.step - 1; i >= 0 && state.commands[i]!.cycle >= c.earliestCycle; i--) {
    const k = state.commands[i]!;
    if (k.cycle >= c.cycle) continue;
    between.unshift(`#${i + 1} ${k.command}${k.source ? ` (${SOURCE_WORDS[k.source]})` : ''} at ${k.cycle}`);
    if (k.source === 'pim' && c.source === 'npu') pimFirst = true;
  }
  const gap = `${c.cycle - c.earliestCycle} cycle${c.cycle - c.earliestCycle === 1 ? '' : 's'}`;
  if (between.length === 0) return `Issued ${gap} after it became legal, with no other command on the bus in between: no timing rule held it then; the scheduler issued it when its request was ready (it may have arrived only then).`;
  const shown = between.length > 4 ? [...between.slice(0, 4), `and ${between.length - 4} more`] : between;
  return `Issued ${gap} after it became legal, because the command bus (one command per cycle) carried ${shown.join(', ')}${pimFirst ? ': the PIM program goes first when both could issue' : ''}.`;
}

/** What a bank's (first) buffer holds, in words. */
function modeWords(v: BankView): string {
  return v.mode === 'open' || v.mode === 'pim' ? `row ${v.row}` : v.mode === 'refreshing' ? 'refreshing' : 'idle';
}

function renderBanks(run: StudioRun, c: StudioCommand): void {
  const o = run.standard.organization;
  const views = banksAt(run.standard, state.commands, state.step);
  const box = $('banks');
  box.style.gridTemplateColumns = `repeat(${o.banksPerGroup}, 1fr)`;
  const target = targetBanks(run, c);
  $('banks-note').textContent = run.rowBuffers > 1
    ? 'Each bank has two row buffers: "mem" holds the row the NPU\'s ACT opened for RD/WR, "PIM" the row G_ACT opened for COMP. Outlined: the banks the selected command acts on.'
    : 'Outlined: the banks the selected command acts on.';
  box.replaceChildren(...views.map((v, b) => {
    const d = document.createElement('div');
    d.className = `bank ${v.mode}${target.has(b) ? ' target' : ''}`;
    const name = document.createElement('b');
    name.textContent = bankName(run, b);
    if (v.pimRow === undefined) {
      d.append(name, modeWords(v));
      d.title = `since cycle ${v.since}`;
      return d;
    }
    // Two row buffers: the memory row (the NPU's ACT/RD/WR/PRE) and the PIM row (G_ACT/COMP/P_PRE).
    const mem = document.createElement('span');
    mem.className = 'buf';
    mem.textContent = `mem ${modeWords(v)}`;
    const pim = document.createElement('span');
    pim.className = `buf pimbuf${v.pimRow >= 0 ? ' on' : ''}`;
    pim.textContent = `PIM ${v.pimRow >= 0 ? `row ${v.pimRow}` : 'idle'}`;
    d.append(name, mem, pim);
    d.title = `memory row buffer: ${modeWords(v)} since cycle ${v.since}; PIM row buffer: ${v.pimRow >= 0 ? `row ${v.pimRow}` : 'idle'} since cycle ${v.pimSince}`;
    return d;
  }));
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderTimeline(run: StudioRun, c: StudioCommand): void {
  const zoom = Number($<HTMLSelectElement>('zoom').value);
  // The window puts the selected command at about two thirds, and reaches back to the command that held it.
  let from = Math.max(0, c.cycle - Math.round(zoom * 0.65));
  const to = from + zoom;
  if (c.heldBy && c.heldBy.prevCycle < from + 4) from = c.heldBy.prevCycle - 4;
  const span = to - from;
  const banks = bankCount(run.standard);
  const dual = run.rowBuffers > 1;
  const left = dual ? 104 : 74;
  const width = 900;
  const rowH = Math.max(dual ? 16 : 12, Math.min(20, Math.floor(420 / (banks + 1))));
  const top = 18;
  const height = top + (banks + 1) * rowH + 44;
  const x = (cy: number): number => left + ((cy - from) / span) * (width - left - 8);
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `commands from cycle ${from} to ${to}` });
  const clip = el('clipPath', { id: 'plot' });
  clip.append(el('rect', { x: left, y: 0, width: width - left - 8, height }));
  svg.append(clip);
  const plot = el('g', { 'clip-path': 'url(#plot)' });
  // Rows: the command bus, then each bank; a dual-buffer bank's row is split: memory row buffer above, PIM below.
  const rowY = (r: number): number => top + r * rowH;
  const laneY = (r: number, buffer: 0 | 1 | null): { y: number; h: number } => {
    if (!dual || r === 0 || buffer === null) return { y: rowY(r) + 1, h: rowH - 2 };
    return { y: rowY(r) + 1 + buffer * (rowH / 2), h: rowH / 2 - 1 };
  };
  for (let r = 0; r <= banks; r++) {
    const label = r === 0 ? 'cmd bus' : `${bankName(run, r - 1)}${dual ? ' mem/PIM' : ''}`;
    svg.append(el('text', { x: left - 6, y: rowY(r) + rowH * 0.7, 'text-anchor': 'end', 'font-size': 10, fill: '#333' }, label));
    svg.append(el('line', { x1: left, x2: width - 8, y1: rowY(r) + rowH, y2: rowY(r) + rowH, stroke: '#d5d9e2' }));
    if (dual && r > 0) svg.append(el('line', { x1: left, x2: width - 8, y1: rowY(r) + rowH / 2, y2: rowY(r) + rowH / 2, stroke: '#f0f1f5' }));
  }
  for (const s of state.spans) {
    if (s.end < from || s.start > to) continue;
    const x0 = x(Math.max(s.start, from));
    const x1 = x(Math.min(s.end, to));
    const lane = laneY(s.bank + 1, s.buffer);
    plot.append(el('rect', { x: x0, y: lane.y, width: Math.max(0, x1 - x0), height: lane.h, fill: SPAN_FILL[s.buffer === 1 ? 'pim' : s.mode] ?? '#eee' }));
    if (s.row >= 0 && x1 - x0 > 40 && lane.h >= 8) plot.append(el('text', { x: x0 + 3, y: lane.y + lane.h * 0.8, 'font-size': Math.min(9, lane.h), fill: '#445' }, `row ${s.row}`));
  }
  // The wait of the selected command: from the earlier command to the earliest legal cycle, on its bank's row.
  const targets = targetBanks(run, c);
  const selRow = targets.size === 1 ? [...targets][0]! + 1 : 0;
  if (c.heldBy) {
    const h = c.heldBy;
    const lane = laneY(selRow, bufferOf(run, c.command));
    const y = lane.y + lane.h / 2;
    plot.append(el('rect', { x: x(h.prevCycle), y: lane.y, width: Math.max(0, x(c.earliestCycle) - x(h.prevCycle)), height: lane.h, fill: '#f5cf3a', opacity: 0.45 }));
    plot.append(el('line', { x1: x(h.prevCycle), x2: x(c.earliestCycle), y1: y, y2: y, stroke: '#c4401a', 'stroke-width': 1.5, 'marker-end': 'url(#arrow)' }));
    const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#c4401a' }));
    svg.append(marker);
    svg.append(el('text', { x: Math.max(left + 2, Math.min(width - 160, (x(h.prevCycle) + x(c.earliestCycle)) / 2 - 40)), y: top + (banks + 1) * rowH + 40, 'font-size': 11, fill: '#c4401a' }, `${h.distance} = ${h.cycles} cycles`));
  }
  // Command marks: on the bus row and on every bank they act on (in the lane of the buffer they use).
  const w = Math.max(3, (width - left - 8) / span);
  let labelRight = -Infinity;
  state.commands.forEach((k, i) => {
    if (k.cycle < from - 1 || k.cycle > to + 1) return;
    const fill = commandColour(run.standard, k.command);
    const buffer = bufferOf(run, k.command);
    const rows = [0, ...[...targetBanks(run, k)].map((b) => b + 1)];
    for (const r of rows) {
      // The selected command in a solid outline, the command that held it back in a dashed one.
      const held = i === c.heldBy?.prevIndex;
      const lane = laneY(r, buffer);
      const m = el('rect', { class: 'mark', x: x(k.cycle) - w / 2, y: lane.y + 1, width: w, height: Math.max(2, lane.h - 2), fill, stroke: i === state.step || held ? '#c4401a' : 'none', 'stroke-width': 2, ...(held ? { 'stroke-dasharray': '2 1' } : {}) });
      m.append(el('title', {}, `#${i + 1} ${k.source ? `${SOURCE_WORDS[k.source]}: ` : ''}${k.message}`));
      m.addEventListener('click', () => select(i));
      plot.append(m);
    }
    // Names above the bus wherever they fit beside the last one drawn (about 5 px a letter), and always the selected
    // one's; never cut short ("MAC1" would read as another command).
    const half = k.command.length * 2.6 + 2;
    if (i === state.step || x(k.cycle) - half > labelRight) {
      plot.append(el('text', { x: x(k.cycle), y: rowY(0) - 3, 'text-anchor': 'middle', 'font-size': 8, fill: '#333', ...(i === state.step ? { 'font-weight': 700 } : {}) }, k.command));
      labelRight = x(k.cycle) + half;
    }
  });
  // The selected command's cycle.
  plot.append(el('line', { x1: x(c.cycle), x2: x(c.cycle), y1: top - 2, y2: top + (banks + 1) * rowH, stroke: '#c4401a', 'stroke-dasharray': '3 2' }));
  svg.append(plot);
  // Cycle axis.
  const axisY = top + (banks + 1) * rowH;
  const stepTicks = [8, 16, 32, 64, 128, 256].find((s) => span / s <= 10) ?? 512;
  for (let t = Math.ceil(from / stepTicks) * stepTicks; t <= to; t += stepTicks) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: axisY, y2: axisY + 4, stroke: '#555' }));
    svg.append(el('text', { x: x(t), y: axisY + 24, 'text-anchor': 'middle', 'font-size': 10, fill: '#555' }, String(t)));
  }
  svg.append(el('text', { x: left - 6, y: axisY + 24, 'text-anchor': 'end', 'font-size': 10, fill: '#555' }, 'cycle'));
  $('timeline').replaceChildren(svg);
  const names = [...new Set(state.commands.map((k) => k.command))];
  $('timeline-legend').replaceChildren(...names.map((n) => {
    const s = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = commandColour(run.standard, n);
    s.append(i, n);
    return s;
  }), ...(dual ? [Object.assign(document.createElement('span'), { textContent: '· each bank: memory row buffer (upper half), PIM row buffer (lower half)' })] : []));
}

function renderList(run: StudioRun): void {
  // The "for" column (PIM program, NPU request, refresh) only where the run tells the traffic apart (NeuPIMs).
  const sources = state.commands.some((k) => k.source);
  $('for-column').hidden = !sources;
  const lo = Math.max(0, state.step - 6);
  const hi = Math.min(state.commands.length, lo + 14);
  const rows: HTMLTableRowElement[] = [];
  for (let i = lo; i < hi; i++) {
    const k = state.commands[i]!;
    const tr = document.createElement('tr');
    if (i === state.step) tr.className = 'sel';
    const cells = [String(i + 1), String(k.cycle), k.command, ...(sources ? [k.source ? SOURCE_WORDS[k.source]! : ''] : []), commandBanks(run, k), k.row >= 0 ? String(k.row) : '', k.heldBy ? `${k.heldBy.distance} after ${k.heldBy.prevCommand} @${k.heldBy.prevCycle}${k.cycle > k.earliestCycle ? ` (+${k.cycle - k.earliestCycle} scheduler)` : ''}` : '—'];
    cells.forEach((t, j) => {
      const td = document.createElement('td');
      td.textContent = t;
      if (j === cells.length - 1) td.className = 'why';
      tr.append(td);
    });
    tr.addEventListener('click', () => select(i));
    rows.push(tr);
  }
  $('list').querySelector('tbody')!.replaceChildren(...rows);
}

// Controls.
const device = $<HTMLSelectElement>('device');
const dramGroup = document.createElement('optgroup');
dramGroup.label = 'DRAM standards (a trace)';
for (const name of Object.keys(data.standards)) dramGroup.append(new Option(`${name} (${data.standards[name]!.organization.channels} channel${data.standards[name]!.organization.channels > 1 ? 's' : ''})`, `dram:${name}`));
const pimGroup = document.createElement('optgroup');
pimGroup.label = 'PIM';
for (const name of Object.keys(data.pimSpecs)) {
  const spec = data.pimSpecs[name]!;
  const what = spec.commandSet === 'newton'
    ? `${spec.standard.standard ?? 'HBM2'}, ${spec.rowBuffers === 2 ? 'two row buffers' : 'one row buffer'} per bank: attention + NPU traffic`
    : `${spec.standard.standard ?? 'PIM'}: GEMV`;
  pimGroup.append(new Option(`${name} (${what})`, `${spec.commandSet === 'newton' ? 'neupims' : 'pim'}:${name}`));
}
device.append(dramGroup, pimGroup);
device.value = 'dram:hbm2';

function syncInputs(): void {
  const pim = device.value.startsWith('pim:');
  const neupims = device.value.startsWith('neupims:');
  $('dram-inputs').hidden = pim || neupims;
  $('pim-inputs').hidden = !pim;
  $('neupims-inputs').hidden = !neupims;
  const trace = $<HTMLSelectElement>('workload').value === 'trace';
  $('trace-box').hidden = pim || neupims || !trace;
  $('pattern-inputs').hidden = trace;
}
device.addEventListener('change', syncInputs);
$('workload').addEventListener('change', syncInputs);
syncInputs();

function ownInput(): StudioInput {
  const [kind, name] = device.value.split(':') as [string, string];
  const num = (id: string): number => Number($<HTMLInputElement>(id).value);
  if (kind === 'pim') return { kind: 'pim-gemv', spec: name, m: num('gemv-m'), k: num('gemv-k') };
  if (kind === 'neupims') {
    return { kind: 'neupims', spec: name, heads: num('np-heads'), headDim: num('np-dim'), context: num('np-context'), npuRequests: num('np-requests'), npuLoad: num('np-load'), seed: $<HTMLInputElement>('np-seed').value };
  }
  const workload = $<HTMLSelectElement>('workload').value;
  if (workload === 'trace') return { kind: 'trace', standard: name, text: $<HTMLTextAreaElement>('trace').value };
  return {
    kind: 'pattern', standard: name, pattern: workload as 'random', requests: Number($<HTMLInputElement>('requests').value),
    seed: $<HTMLInputElement>('seed').value, writeFraction: Number($<HTMLInputElement>('writes').value),
  };
}

$('run').addEventListener('click', () => {
  // Your own run is no guided example: the address stops naming one.
  if (location.hash) location.hash = shownHash = '';
  start(ownInput(), null, '');
});
const examples: StudioExample[] = studioExamples(data);
/** The hash this page set itself (its hashchange is not a request to open the example again). */
let shownHash = '';
for (const ex of examples) {
  const b = document.createElement('button');
  b.textContent = ex.title;
  b.dataset.example = ex.id;
  b.addEventListener('click', () => openExample(ex));
  $('examples').append(b);
}

/** Runs a guided example: its inputs go into the controls (so the student can vary them), and the page's address
 * names it (#example=ID), so an instructor can hand out a link that opens the page on that example. */
function openExample(ex: StudioExample): void {
  if (location.hash !== `#example=${ex.id}`) {
    shownHash = `#example=${ex.id}`;
    location.hash = shownHash;
  }
  if (ex.input.kind === 'trace') {
    device.value = `dram:${ex.input.standard}`;
    $<HTMLSelectElement>('workload').value = 'trace';
    $<HTMLTextAreaElement>('trace').value = ex.input.text;
  } else if (ex.input.kind === 'pim-gemv') {
    device.value = `pim:${ex.input.spec}`;
    $<HTMLInputElement>('gemv-m').value = String(ex.input.m);
    $<HTMLInputElement>('gemv-k').value = String(ex.input.k);
  } else if (ex.input.kind === 'neupims') {
    device.value = `neupims:${ex.input.spec}`;
    const set = (id: string, v: string | number): void => { $<HTMLInputElement>(id).value = String(v); };
    set('np-heads', ex.input.heads);
    set('np-dim', ex.input.headDim);
    set('np-context', ex.input.context);
    set('np-requests', ex.input.npuRequests);
    set('np-load', ex.input.npuLoad);
    set('np-seed', ex.input.seed);
  }
  syncInputs();
  start(ex.input, ex.focus, ex.lesson);
}

/** Opens the example the address names (#example=ID), on load and when the address changes. */
function openFromHash(): void {
  if (location.hash === shownHash) return;
  const id = /^#example=([\w-]+)$/.exec(location.hash)?.[1];
  const ex = examples.find((e) => e.id === id);
  if (ex) openExample(ex);
  else if (id !== undefined) {
    // A run still in flight (the example shown before) must not overwrite this error when its reply arrives.
    state.pending++;
    setStatus(`no guided example '${id}' (known: ${examples.map((e) => e.id).join(', ')})`, true);
  }
}
window.addEventListener('hashchange', openFromHash);
$('first').addEventListener('click', () => { stop(); select(0); });
$('back').addEventListener('click', () => { stop(); select(state.step - 1); });
$('forward').addEventListener('click', () => { stop(); select(state.step + 1); });
$('last').addEventListener('click', () => { stop(); select(Infinity); });
$('play').addEventListener('click', play);
$('slider').addEventListener('input', (e) => { stop(); select(Number((e.target as HTMLInputElement).value)); });
$('zoom').addEventListener('change', () => state.run && state.commands.length > 0 && render());
$('channel').addEventListener('change', (e) => state.run && showChannel(Number((e.target as HTMLSelectElement).value), 0));
document.addEventListener('keydown', (e) => {
  if ((e.target as HTMLElement).closest('input, textarea, select')) return;
  // Space on a focused button presses that button.
  if (e.key === ' ' && (e.target as HTMLElement).closest('button')) return;
  if (e.key === 'ArrowRight') { stop(); select(state.step + 1); }
  else if (e.key === 'ArrowLeft') { stop(); select(state.step - 1); }
  else if (e.key === 'Home') { stop(); select(0); }
  else if (e.key === 'End') { stop(); select(Infinity); }
  else if (e.key === ' ') { e.preventDefault(); play(); }
  else return;
});
setStatus('ready: pick a guided example or press Run');
openFromHash();
