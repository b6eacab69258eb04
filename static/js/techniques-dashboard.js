// The technique-collection dashboard's charts (templates/techniques/dashboard.html): figures from
// the page's <script type="application/json" id="figures">.
(function () {
"use strict";
const f = JSON.parse(document.getElementById("figures").textContent);
const bar = (id, rows, horizontal) => echarts.init(document.getElementById(id)).setOption({
  tooltip: {}, grid: {left: horizontal ? 120 : 40, right: 20, top: 10, bottom: 40},
  [horizontal ? "yAxis" : "xAxis"]: {type: "category", data: rows.map(r => r.name || r.label), axisLabel: {interval: 0, rotate: horizontal ? 0 : 30}},
  [horizontal ? "xAxis" : "yAxis"]: {type: "value"},
  series: [{type: "bar", data: rows.map(r => r.value), itemStyle: {color: "#a8552f"}}]});
const pie = (id, rows) => echarts.init(document.getElementById(id)).setOption({
  tooltip: {}, series: [{type: "pie", radius: ["35%", "65%"], data: rows.map(r => ({name: r.name || r.label, value: r.value}))}]});
const escape = text => String(text).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
const statusLines = node => Object.entries(node.status || {}).map(([k, v]) => `${escape(k)}：${v}`).join("<br>");
echarts.init(document.getElementById("chart-region-tree")).setOption({
  tooltip: {formatter: p => `<b>${escape(p.name)}</b>：${p.value}<br>${statusLines(p.data)}`},
  series: [{
    type: "treemap", name: f.region_tree.name, data: f.region_tree.children, leafDepth: 1, roam: false,
    breadcrumb: {show: true}, label: {show: true, formatter: "{b}\n{c}"},
    upperLabel: {show: true, height: 22},
    levels: [{itemStyle: {borderColor: "#fff", borderWidth: 2, gapWidth: 2}}, {itemStyle: {gapWidth: 1}, colorSaturation: [0.35, 0.6]}],
    color: ["#a8552f", "#c47a3a", "#8a6d3b", "#6b8e4e", "#4e7d8e", "#7d5a8e"],
  }],
});
bar("chart-county", f.county, false);
bar("chart-category", f.category, true);
pie("chart-inheritance", f.inheritance);
pie("chart-status", f.status);
})();
