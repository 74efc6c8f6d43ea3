namespace Kiln.Serve;

/// <summary>
/// The status page <c>kiln serve</c> serves at <c>/</c>: the jobs and their state, and a live chart of the selected
/// (by default the running, else the newest) job's loss and validation metrics. Plain HTML and JavaScript, no
/// external files: it polls <c>/api/jobs</c> and <c>/api/jobs/{id}</c> every two seconds and draws on a canvas.
/// </summary>
internal static class StatusPage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kiln serve</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 20px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; }
  tr.job { cursor: pointer; } tr.selected { background: #eef4ff; }
  .state { font-weight: 600; } .running { color: #1a7f37; } .failed, .rejected { color: #c62828; }
  .interrupted, .queued { color: #9a6700; } .cancelled { color: #666; } .succeeded { color: #0b5cad; }
  .error { color: #c62828; font-size: 12px; white-space: pre-wrap; }
  #chart { border: 1px solid #ccc; } #legend span { margin-right: 16px; } small { color: #666; }
</style>
</head>
<body>
<h1>kiln serve</h1>
<table>
  <thead><tr><th>job</th><th>state</th><th>source</th><th>progress</th><th>submitted</th><th>error</th></tr></thead>
  <tbody id="jobs"><tr><td colspan="6">loading…</td></tr></tbody>
</table>
<h2 id="title" style="font-size:16px">no job yet</h2>
<canvas id="chart" width="900" height="320"></canvas>
<div id="legend"></div>
<small id="points"></small>
<script>
"use strict";
const colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];
let selected = null, pinned = false;
function esc(s) { return String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c])); }
async function refresh() {
  try {
    const jobs = await (await fetch("/api/jobs")).json();
    if (!pinned || !jobs.some(j => j.id === selected)) {
      const running = jobs.find(j => j.state === "running");
      selected = running ? running.id : (jobs.length ? jobs[jobs.length - 1].id : null);
    }
    document.getElementById("jobs").innerHTML = jobs.length ? jobs.map(j =>
      `<tr class="job${j.id === selected ? " selected" : ""}" data-id="${esc(j.id)}"><td>${esc(j.id)}</td>` +
      `<td class="state ${esc(j.state)}">${esc(j.state)}</td><td>${esc(j.source)}</td>` +
      `<td>${j.maxIters ? `${j.iter}/${j.maxIters} iters (epoch ${j.state === "running" ? j.epoch + 1 : j.epoch})` : ""}</td>` +
      `<td>${esc(new Date(j.submitted).toLocaleString())}</td><td class="error">${esc(j.error)}</td></tr>`).join("")
      : `<tr><td colspan="6">no jobs: POST /api/jobs or drop a config into the queue folder</td></tr>`;
    for (const row of document.querySelectorAll("tr.job"))
      row.onclick = () => { selected = row.dataset.id; pinned = true; refresh(); };
    if (selected) draw(await (await fetch("/api/jobs/" + encodeURIComponent(selected))).json());
  } catch (e) { document.getElementById("points").textContent = "cannot reach kiln serve: " + e; }
}
function draw(detail) {
  const series = [["loss", detail.loss]].concat(Object.entries(detail.metrics));
  document.getElementById("title").textContent = `job ${detail.job.id} (${detail.job.state})`;
  const canvas = document.getElementById("chart"), g = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 60, R = 20, T = 10, B = 30;
  g.clearRect(0, 0, W, H);
  g.font = "12px sans-serif"; g.strokeStyle = "#999"; g.fillStyle = "#444";
  g.beginPath(); g.moveTo(L, T); g.lineTo(L, H - B); g.lineTo(W - R, H - B); g.stroke();
  const all = series.flatMap(s => s[1]);
  document.getElementById("points").textContent = `${detail.loss.length} loss points`;
  document.getElementById("legend").innerHTML = series.map((s, i) =>
    `<span style="color:${colors[i % colors.length]}">■ ${esc(s[0])}${s[1].length ? ": " + (+s[1][s[1].length - 1][1]).toPrecision(4) : ""}</span>`).join("");
  if (!all.length) return;
  const xMax = Math.max(detail.job.maxIters || 0, ...all.map(p => p[0])), xMin = 0;
  // The axis is the loss's; each metric is drawn on its own scale (its range is in the legend's last value).
  const range = pts => { let lo = Math.min(...pts.map(p => p[1])), hi = Math.max(...pts.map(p => p[1]));
                         return hi === lo ? [lo - 1, hi + 1] : [lo, hi]; };
  const [yMin, yMax] = range(detail.loss.length ? detail.loss : all);
  const x = v => L + (v - xMin) / Math.max(xMax - xMin, 1) * (W - L - R);
  const scaled = (lo, hi) => v => H - B - (v - lo) / (hi - lo) * (H - T - B);
  const y = scaled(yMin, yMax);
  for (let k = 0; k <= 4; k++) {
    const v = yMin + (yMax - yMin) * k / 4;
    g.fillText(v.toPrecision(3), 4, y(v) + 4);
    g.fillText(String(Math.round(xMin + (xMax - xMin) * k / 4)), x(xMin + (xMax - xMin) * k / 4) - 8, H - B + 16);
  }
  series.forEach((s, i) => {
    if (!s[1].length) return;
    const ys = s[0] === "loss" ? y : scaled(...range(s[1]));
    g.strokeStyle = g.fillStyle = colors[i % colors.length]; g.beginPath();
    s[1].forEach((p, k) => k ? g.lineTo(x(p[0]), ys(p[1])) : g.moveTo(x(p[0]), ys(p[1])));
    g.stroke();
    if (s[0] !== "loss") s[1].forEach(p => g.fillRect(x(p[0]) - 3, ys(p[1]) - 3, 6, 6));
  });
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
""";
}
