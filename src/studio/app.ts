import { DRAM_CLASS_STYLE, PIM_CLASS_STYLE } from '../../viz/palette.ts';
import { bankCount, bankIndex, bankSpans, banksAt, type BankSpan } from './bank-state.ts';
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
  spans: BankSpan[];
  step: number;
  playing: number | null;
  pending: number;
  focus: ((run: StudioRun) => number) | null;
}
const state: State = { run: null, spans: [], step: 0, playing: null, pending: 0, focus: null };

/** Exposed for the browser tests: the current run and step, and a way to select a command. */
(window as unknown as { studio: unknown }).studio = {
  get run() { return state.run; },
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
  state.spans = bankSpans(run.standard, run.commands, run.cycles);
  setStatus(`simulated in ${m.ms} ms`);
  $('summary').textContent = `${run.title}. ${run.commands.length} commands over ${run.cycles} cycles (tCK ${run.tCKPs} ps). ${run.notes.join(' ')}`;
  const top = bindingRuleCounts(run.commands).slice(0, 6);
  $('rules').textContent = top.length ? `What held commands back most often: ${top.map((r) => `${r.rule} (${r.commands})`).join(' · ')}` : '';
  const slider = $<HTMLInputElement>('slider');
  slider.max = String(Math.max(0, run.commands.length - 1));
  select(state.focus ? state.focus(run) : 0);
};

function select(i: number): void {
  const run = state.run;
  if (!run || run.commands.length === 0) return;
  state.step = Math.max(0, Math.min(run.commands.length - 1, i));
  render();
}

function stop(): void {
  if (state.playing !== null) clearInterval(state.playing);
  state.playing = null;
  $('play').textContent = '▶ play';
}

function play(): void {
  if (state.playing !== null) return stop();
  const run = state.run;
  if (!run) return;
  if (state.step >= run.commands.length - 1) state.step = -1;
  $('play').textContent = '⏸ pause';
  state.playing = window.setInterval(() => {
    if (!state.run || state.step >= state.run.commands.length - 1) return stop();
    select(state.step + 1);
  }, 350);
}

function render(): void {
  const run = state.run!;
  const c = run.commands[state.step]!;
  $<HTMLInputElement>('slider').value = String(state.step);
  $('position').textContent = `command ${state.step + 1} of ${run.commands.length} · cycle ${c.cycle}`;
  renderExplanation(run, c);
  renderBanks(run, c);
  renderTimeline(run, c);
  renderList(run);
}

function renderExplanation(run: StudioRun, c: StudioCommand): void {
  const box = $('explain');
  box.querySelector('.message')!.textContent = c.message;
  const h = c.heldBy;
  const where = `${c.command} to ${commandBanks(run, c)}${c.row >= 0 ? `, row ${c.row}` : ''}`;
  const detail = h
    ? `${where}. Rule: ${h.text}${h.kind === 'rule' ? '' : ' (rolling window)'}. Earlier command: #${h.prevIndex + 1} ${h.prevCommand} at cycle ${h.prevCycle}. Earliest legal cycle ${c.earliestCycle}, issued at ${c.cycle}.`
    : `${where}. Issued at cycle ${c.cycle}.`;
  box.querySelector('.detail')!.textContent = detail;
}

function renderBanks(run: StudioRun, c: StudioCommand): void {
  const o = run.standard.organization;
  const views = banksAt(run.standard, run.commands, state.step);
  const box = $('banks');
  box.style.gridTemplateColumns = `repeat(${o.banksPerGroup}, 1fr)`;
  const target = bankIndex(run.standard, c);
  box.replaceChildren(...views.map((v, b) => {
    const d = document.createElement('div');
    d.className = `bank ${v.mode}${b === target ? ' target' : ''}`;
    const name = document.createElement('b');
    name.textContent = bankName(run, b);
    d.append(name, v.mode === 'open' || v.mode === 'pim' ? `row ${v.row}` : v.mode === 'refreshing' ? 'refreshing' : 'idle');
    d.title = `since cycle ${v.since}`;
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
  const left = 74;
  const width = 900;
  const rowH = Math.max(12, Math.min(20, Math.floor(420 / (banks + 1))));
  const top = 18;
  const height = top + (banks + 1) * rowH + 44;
  const x = (cy: number): number => left + ((cy - from) / span) * (width - left - 8);
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `commands from cycle ${from} to ${to}` });
  const clip = el('clipPath', { id: 'plot' });
  clip.append(el('rect', { x: left, y: 0, width: width - left - 8, height }));
  svg.append(clip);
  const plot = el('g', { 'clip-path': 'url(#plot)' });
  // Rows: the command bus, then each bank.
  const rowY = (r: number): number => top + r * rowH;
  for (let r = 0; r <= banks; r++) {
    svg.append(el('text', { x: left - 6, y: rowY(r) + rowH * 0.7, 'text-anchor': 'end', 'font-size': 10, fill: '#333' }, r === 0 ? 'cmd bus' : bankName(run, r - 1)));
    svg.append(el('line', { x1: left, x2: width - 8, y1: rowY(r) + rowH, y2: rowY(r) + rowH, stroke: '#eceef3' }));
  }
  for (const s of state.spans) {
    if (s.end < from || s.start > to) continue;
    const x0 = x(Math.max(s.start, from));
    const x1 = x(Math.min(s.end, to));
    plot.append(el('rect', { x: x0, y: rowY(s.bank + 1) + 1, width: Math.max(0, x1 - x0), height: rowH - 2, fill: SPAN_FILL[s.mode] ?? '#eee' }));
    if (s.row >= 0 && x1 - x0 > 40) plot.append(el('text', { x: x0 + 3, y: rowY(s.bank + 1) + rowH * 0.72, 'font-size': 9, fill: '#445' }, `row ${s.row}`));
  }
  // The wait of the selected command: from the earlier command to the earliest legal cycle, on its bank's row.
  const selRow = bankIndex(run.standard, c) + 1;
  if (c.heldBy) {
    const h = c.heldBy;
    const y = rowY(selRow) + rowH / 2;
    plot.append(el('rect', { x: x(h.prevCycle), y: rowY(selRow) + 1, width: Math.max(0, x(c.earliestCycle) - x(h.prevCycle)), height: rowH - 2, fill: '#f5cf3a', opacity: 0.45 }));
    plot.append(el('line', { x1: x(h.prevCycle), x2: x(c.earliestCycle), y1: y, y2: y, stroke: '#c4401a', 'stroke-width': 1.5, 'marker-end': 'url(#arrow)' }));
    const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#c4401a' }));
    svg.append(marker);
    svg.append(el('text', { x: Math.max(left + 2, Math.min(width - 160, (x(h.prevCycle) + x(c.earliestCycle)) / 2 - 40)), y: top + (banks + 1) * rowH + 40, 'font-size': 11, fill: '#c4401a' }, `${h.distance} = ${h.cycles} cycles`));
  }
  // Command marks: on the bus row and on every bank they act on.
  const o = run.standard.organization;
  const perRank = o.bankGroups * o.banksPerGroup;
  const w = Math.max(3, (width - left - 8) / span);
  run.commands.forEach((k, i) => {
    if (k.cycle < from - 1 || k.cycle > to + 1) return;
    const fill = commandColour(run.standard, k.command);
    const rows = [0];
    const x1 = run.standard.extraCommands.find((e) => e.name === k.command);
    if (x1 && x1.scope === 'channel') {
      // The channel's shared logic (a global buffer): on the bus only.
    } else if (x1 && x1.scope === 'bankgroup') {
      for (let b = 0; b < o.banksPerGroup; b++) rows.push((k.rank * o.bankGroups + k.bankGroup) * o.banksPerGroup + b + 1);
    } else if (k.command === 'REF' || k.command === 'PREA' || (x1 && x1.scope !== 'bank')) {
      for (let b = 0; b < (x1?.scope === 'all-ranks' ? o.ranks * perRank : perRank); b++) rows.push((x1?.scope === 'all-ranks' ? 0 : k.rank * perRank) + b + 1);
    } else {
      rows.push(bankIndex(run.standard, k) + 1);
    }
    for (const r of rows) {
      // The selected command in a solid outline, the command that held it back in a dashed one.
      const held = i === c.heldBy?.prevIndex;
      const m = el('rect', { class: 'mark', x: x(k.cycle) - w / 2, y: rowY(r) + 2, width: w, height: rowH - 4, fill, stroke: i === state.step || held ? '#c4401a' : 'none', 'stroke-width': 2, ...(held ? { 'stroke-dasharray': '2 1' } : {}) });
      m.append(el('title', {}, `#${i + 1} ${k.message}`));
      m.addEventListener('click', () => select(i));
      plot.append(m);
    }
    if (w >= 9 || i === state.step) plot.append(el('text', { x: x(k.cycle), y: rowY(0) - 3, 'text-anchor': 'middle', 'font-size': 8, fill: '#333' }, k.command.length > 4 ? k.command.slice(0, 4) : k.command));
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
  const names = [...new Set(run.commands.map((k) => k.command))];
  $('timeline-legend').replaceChildren(...names.map((n) => {
    const s = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = commandColour(run.standard, n);
    s.append(i, n);
    return s;
  }));
}

function renderList(run: StudioRun): void {
  const lo = Math.max(0, state.step - 6);
  const hi = Math.min(run.commands.length, lo + 14);
  const rows: HTMLTableRowElement[] = [];
  for (let i = lo; i < hi; i++) {
    const k = run.commands[i]!;
    const tr = document.createElement('tr');
    if (i === state.step) tr.className = 'sel';
    const cells = [String(i + 1), String(k.cycle), k.command, commandBanks(run, k), k.row >= 0 ? String(k.row) : '', k.heldBy ? `${k.heldBy.distance} after ${k.heldBy.prevCommand} @${k.heldBy.prevCycle}${k.cycle > k.earliestCycle ? ` (+${k.cycle - k.earliestCycle} scheduler)` : ''}` : '—'];
    cells.forEach((t, j) => {
      const td = document.createElement('td');
      td.textContent = t;
      if (j === 5) td.className = 'why';
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
dramGroup.label = 'DRAM standards (one channel)';
for (const name of Object.keys(data.standards)) dramGroup.append(new Option(name, `dram:${name}`));
const pimGroup = document.createElement('optgroup');
pimGroup.label = 'PIM (GEMV)';
for (const name of Object.keys(data.pimSpecs)) pimGroup.append(new Option(`${name} (${data.pimSpecs[name]!.standard.standard ?? 'PIM'})`, `pim:${name}`));
device.append(dramGroup, pimGroup);
device.value = 'dram:hbm2';

function syncInputs(): void {
  const pim = device.value.startsWith('pim:');
  $('dram-inputs').hidden = pim;
  $('pim-inputs').hidden = !pim;
  const trace = $<HTMLSelectElement>('workload').value === 'trace';
  $('trace-box').hidden = pim || !trace;
  $('pattern-inputs').hidden = trace;
}
device.addEventListener('change', syncInputs);
$('workload').addEventListener('change', syncInputs);
syncInputs();

function ownInput(): StudioInput {
  const [kind, name] = device.value.split(':') as [string, string];
  if (kind === 'pim') return { kind: 'pim-gemv', spec: name, m: Number($<HTMLInputElement>('gemv-m').value), k: Number($<HTMLInputElement>('gemv-k').value) };
  const workload = $<HTMLSelectElement>('workload').value;
  if (workload === 'trace') return { kind: 'trace', standard: name, text: $<HTMLTextAreaElement>('trace').value };
  return {
    kind: 'pattern', standard: name, pattern: workload as 'random', requests: Number($<HTMLInputElement>('requests').value),
    seed: $<HTMLInputElement>('seed').value, writeFraction: Number($<HTMLInputElement>('writes').value),
  };
}

$('run').addEventListener('click', () => start(ownInput(), null, ''));
const examples: StudioExample[] = studioExamples(data);
for (const ex of examples) {
  const b = document.createElement('button');
  b.textContent = ex.title;
  b.dataset.example = ex.id;
  b.addEventListener('click', () => {
    if (ex.input.kind === 'trace') {
      device.value = `dram:${ex.input.standard}`;
      $<HTMLSelectElement>('workload').value = 'trace';
      $<HTMLTextAreaElement>('trace').value = ex.input.text;
    } else if (ex.input.kind === 'pim-gemv') {
      device.value = `pim:${ex.input.spec}`;
      $<HTMLInputElement>('gemv-m').value = String(ex.input.m);
      $<HTMLInputElement>('gemv-k').value = String(ex.input.k);
    }
    syncInputs();
    start(ex.input, ex.focus, ex.lesson);
  });
  $('examples').append(b);
}
$('first').addEventListener('click', () => { stop(); select(0); });
$('back').addEventListener('click', () => { stop(); select(state.step - 1); });
$('forward').addEventListener('click', () => { stop(); select(state.step + 1); });
$('last').addEventListener('click', () => { stop(); select(Infinity); });
$('play').addEventListener('click', play);
$('slider').addEventListener('input', (e) => { stop(); select(Number((e.target as HTMLInputElement).value)); });
$('zoom').addEventListener('change', () => state.run && render());
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
