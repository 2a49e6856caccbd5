/*
 * The live page (GET /): plain HTML and a small script, no framework. It polls /live.json once a
 * second, keeps the last two minutes, and draws line charts on canvases: ops/s (from the command
 * counter's deltas), latency percentiles per command, per io-threads stage and per I/O thread,
 * memory, and GC pause time per second. What it plotted last is kept in window.__plotted (the
 * browser test reads it) and each chart's element gets data-points="<n>".
 */
export const LIVE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spindle live</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 16px; background: #fafafa; color: #222; }
h1 { font-size: 18px; margin: 0 0 12px; }
#grid { display: grid; grid-template-columns: repeat(2, 520px); gap: 12px; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
.chart h2 { font-size: 13px; margin: 0 0 4px; }
.legend span { margin-right: 10px; }
canvas { width: 500px; height: 160px; }
#status { color: #666; margin-bottom: 8px; }
</style></head>
<body>
<h1>Spindle live metrics</h1>
<div id="status">waiting for data…</div>
<div id="grid"></div>
<script>
const HISTORY = 120;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const charts = [
  { id: 'ops', title: 'ops/s', unit: '' },
  { id: 'latency', title: 'command latency p50 / p99 (µs)', unit: 'µs' },
  { id: 'stages', title: 'io-threads stage latency p99 (µs)', unit: 'µs' },
  { id: 'threads', title: 'per I/O thread execute / queue wait (avg µs)', unit: 'µs' },
  { id: 'memory', title: 'memory (MB)', unit: 'MB' },
  { id: 'gc', title: 'GC pause (ms per second)', unit: 'ms' },
];
const series = {};
for (const c of charts) series[c.id] = {};
const grid = document.getElementById('grid');
for (const c of charts) {
  const div = document.createElement('div');
  div.className = 'chart';
  div.id = 'chart-' + c.id;
  div.dataset.points = '0';
  div.innerHTML = '<h2>' + c.title + '</h2><canvas width="1000" height="320"></canvas><div class="legend"></div>';
  grid.appendChild(div);
}
function push(chart, name, v) {
  if (!Number.isFinite(v)) return;
  const s = series[chart][name] || (series[chart][name] = []);
  s.push(v);
  if (s.length > HISTORY) s.shift();
}
function draw(c) {
  const div = document.getElementById('chart-' + c.id);
  const canvas = div.querySelector('canvas');
  const g = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, pad = 50;
  g.clearRect(0, 0, W, H);
  const names = Object.keys(series[c.id]);
  let max = 0, points = 0;
  for (const n of names) for (const v of series[c.id][n]) { if (v > max) max = v; points++; }
  if (max === 0) max = 1;
  g.strokeStyle = '#ccc'; g.fillStyle = '#666'; g.font = '20px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = pad / 2 + (H - pad) * (1 - i / 4);
    g.beginPath(); g.moveTo(pad, y); g.lineTo(W, y); g.stroke();
    g.fillText((max * i / 4).toFixed(max < 10 ? 2 : 0), 0, y + 6);
  }
  names.forEach((n, k) => {
    const s = series[c.id][n];
    g.strokeStyle = COLORS[k % COLORS.length]; g.lineWidth = 3; g.beginPath();
    s.forEach((v, i) => {
      const x = pad + (W - pad) * (i / (HISTORY - 1));
      const y = pad / 2 + (H - pad) * (1 - v / max);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  });
  div.querySelector('.legend').innerHTML = names.map((n, k) => {
    const s = series[c.id][n];
    return '<span style="color:' + COLORS[k % COLORS.length] + '">■ ' + n + ' ' + (s.length ? s[s.length - 1].toFixed(1) : '') + '</span>';
  }).join('');
  div.dataset.points = String(points);
}
let prev = null;
async function tick() {
  try {
    const r = await fetch('live.json', { cache: 'no-store' });
    const d = await r.json();
    if (prev !== null) {
      const dt = (d.t - prev.t) / 1000;
      if (dt > 0) {
        push('ops', 'ops/s', (d.commands - prev.commands) / dt);
        push('gc', 'pause', (d.gc.pauseTotalMs - prev.gc.pauseTotalMs) / dt);
      }
    }
    push('ops', 'instantaneous', d.ops);
    for (const [cmd, p] of Object.entries(d.latency)) { push('latency', cmd + ' p50', p.p50); push('latency', cmd + ' p99', p.p99); }
    for (const [stage, p] of Object.entries(d.stages)) push('stages', stage, p.p99);
    for (const [t, v] of Object.entries(d.threads)) { push('threads', 'thread ' + t + ' execute', v.execute_us); push('threads', 'thread ' + t + ' queue wait', v.queue_wait_us); }
    push('memory', 'used', d.memory.used / 1048576);
    push('memory', 'rss', d.memory.rss / 1048576);
    push('gc', 'max pause so far', d.gc.pauseMaxMs);
    prev = d;
    for (const c of charts) draw(c);
    window.__plotted = JSON.parse(JSON.stringify(series));
    document.getElementById('status').textContent = 'updated ' + new Date(d.t).toLocaleTimeString() + ' — ' + d.commands + ' commands, ' + Object.keys(d.threads).length + ' I/O threads';
  } catch (e) {
    document.getElementById('status').textContent = 'error: ' + e;
  }
}
tick();
setInterval(tick, 1000);
</script>
</body></html>
`;
