// The studio page's fixed HTML and style (src/studio/app.ts fills it in). Plain HTML, no framework, no fonts or
// images from elsewhere: the page opens offline from file://.

/** The page's style. */
export const STUDIO_STYLE = `
:root { --ink: #1a1a1a; --muted: #5a5f6b; --line: #d5d9e2; --panel: #f6f7fa; --accent: #1f4e96; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header { padding: 12px 20px 8px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0 0; color: var(--muted); }
main { padding: 10px 20px 30px; max-width: 1400px; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 10px; padding: 8px 12px; background: var(--panel); }
legend { font-weight: 600; padding: 0 4px; }
label { margin-right: 12px; white-space: nowrap; }
input[type=number] { width: 80px; }
input[type=text] { width: 90px; }
textarea { width: 100%; height: 84px; font: 12px ui-monospace, monospace; }
button { font: inherit; padding: 3px 10px; border: 1px solid #9aa3b5; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef1f7; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
#examples button { margin: 2px 6px 2px 0; }
#status { margin-left: 10px; color: var(--muted); }
#status.error { color: #b00020; font-weight: 600; }
#lesson { margin: 0 0 10px; padding: 8px 12px; border-left: 4px solid #19967a; background: #eefaf6; display: none; }
#transport { display: flex; align-items: center; gap: 6px; margin: 8px 0; flex-wrap: wrap; }
#transport input[type=range] { flex: 1; min-width: 200px; }
#position { font-variant-numeric: tabular-nums; min-width: 230px; }
#explain { padding: 10px 14px; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 10px; background: #fffdf4; }
#explain .message { font-size: 17px; font-weight: 600; }
#explain .detail { color: var(--muted); margin-top: 4px; }
.views { display: grid; grid-template-columns: minmax(220px, 300px) 1fr; gap: 12px; align-items: start; }
.panel h2 { font-size: 14px; margin: 0 0 6px; }
#banks { display: grid; gap: 4px; }
.bank { border: 1px solid var(--line); border-radius: 4px; padding: 2px 4px; font-size: 11px; min-height: 34px; }
.bank b { display: block; font-weight: 600; }
.bank .buf { display: block; }
.bank .pimbuf { color: var(--muted); }
.bank .pimbuf.on { background: #b9ecd9; color: var(--ink); border-radius: 2px; }
.bank.idle { background: #fff; color: var(--muted); }
.bank.open { background: #dfe5fc; }
.bank.refreshing { background: #9ca8d2; }
.bank.pim { background: #b9ecd9; }
.bank.target { outline: 2px solid #c4401a; }
#timeline svg { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
#timeline svg .mark { cursor: pointer; }
.legend { font-size: 12px; color: var(--muted); margin-top: 4px; }
.legend span { display: inline-block; margin-right: 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; vertical-align: -1px; border: 1px solid #888; }
#list table { border-collapse: collapse; width: 100%; font-size: 12px; }
#list td, #list th { padding: 2px 6px; border-bottom: 1px solid #eceef3; text-align: left; white-space: nowrap; }
#list td.why { white-space: normal; }
#list tr.sel { background: #fff2c6; }
#list tr { cursor: pointer; }
#summary { color: var(--muted); margin: 4px 0 2px; }
#rules { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
`;

/** The page's body before its scripts. */
export function studioBody(): string {
  return `<header>
<h1>Strata studio</h1>
<p>DRAM and PIM timing, command by command: the real Strata simulator runs in your browser, and every command says which timing rule held it back.</p>
</header>
<main>
<fieldset id="examples"><legend>Guided examples</legend></fieldset>
<fieldset id="setup"><legend>Your own run</legend>
<label>Device <select id="device"></select></label>
<span id="dram-inputs">
<label>Workload <select id="workload"><option value="random">random</option><option value="stream">stream</option><option value="strided">strided</option><option value="mixed">mixed</option><option value="trace">typed trace</option></select></label>
<span id="pattern-inputs"><label>Requests <input id="requests" type="number" min="1" max="1000" value="200"></label>
<label>Seed <input id="seed" type="text" value="studio"></label>
<label>Writes <input id="writes" type="number" min="0" max="1" step="0.05" value="0.33"></label></span>
</span>
<span id="pim-inputs" hidden>
<label>GEMV M <input id="gemv-m" type="number" min="1" value="64"></label>
<label>K <input id="gemv-k" type="number" min="1" value="1024"></label>
</span>
<span id="neupims-inputs" hidden>
<label title="attention heads of one request">Heads <input id="np-heads" type="number" min="1" max="64" value="4"></label>
<label>Head dim <input id="np-dim" type="number" min="1" max="512" value="128"></label>
<label title="cached tokens (the KV cache's length)">Context <input id="np-context" type="number" min="1" max="8192" value="64"></label>
<label title="ordinary 64 B reads and writes of an NPU on the same channel">NPU requests <input id="np-requests" type="number" min="0" max="1000" value="200"></label>
<label title="their arrival rate as a fraction of the channel's data-bus peak">NPU load <input id="np-load" type="number" min="0.05" max="1" step="0.05" value="0.5"></label>
<label>Seed <input id="np-seed" type="text" value="studio"></label>
</span>
<button id="run" class="primary">Run</button><span id="status">loading…</span>
<div id="trace-box" hidden><textarea id="trace" spellcheck="false" placeholder="one request per line: HEXADDRESS READ|WRITE CYCLE (DRAMsim3's trace format)"></textarea></div>
</fieldset>
<div id="lesson"></div>
<div id="summary"></div>
<div id="rules"></div>
<div id="transport">
<button id="first" title="first command (Home)">|◀</button>
<button id="back" title="previous command (←)">◀</button>
<button id="play" title="play / pause (space)">▶ play</button>
<button id="forward" title="next command (→)">▶</button>
<button id="last" title="last command (End)">▶|</button>
<input id="slider" type="range" min="0" max="0" value="0">
<span id="position"></span>
<label id="channel-box" hidden title="each channel has its own controller and banks">Channel <select id="channel"></select></label>
<label>Window <select id="zoom"><option value="64">64 cycles</option><option value="128" selected>128 cycles</option><option value="256">256 cycles</option><option value="1024">1024 cycles</option></select></label>
</div>
<div id="explain"><div class="message">Pick a guided example or run your own.</div><div class="detail"></div><div class="detail late"></div></div>
<div class="views">
<section class="panel"><h2>Banks now</h2><div id="banks"></div>
<div class="legend"><span><i style="background:#fff"></i>idle</span><span><i style="background:#dfe5fc"></i>row open</span><span><i style="background:#9ca8d2"></i>refreshing</span><span><i style="background:#b9ecd9"></i>PIM row open</span></div>
<p class="legend" id="banks-note"></p></section>
<section class="panel"><h2>Command timeline (bus and each bank)</h2><div id="timeline"></div><div class="legend" id="timeline-legend"></div></section>
</div>
<section class="panel" id="list"><h2>Commands around the selected one</h2><table><thead><tr><th>#</th><th>cycle</th><th>command</th><th id="for-column">for</th><th>bank</th><th>row</th><th>why then</th></tr></thead><tbody></tbody></table></section>
</main>`;
}
