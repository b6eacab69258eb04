// The charts of a prescription-mining analysis (templates/cases/analysis_detail.html): data from
// the page's <script type="application/json"> blocks, labels from data attributes.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("network-data").textContent);
  var max = Math.max.apply(null, data.nodes.map(function (n) { return n.value; }).concat([1]));
  var maxLink = Math.max.apply(null, data.links.map(function (l) { return l.value; }).concat([1]));
  var chart = echarts.init(document.getElementById("network-chart"));
  chart.setOption({
    tooltip: {},
    series: [{
      type: "graph", layout: "circular", roam: true, label: {show: true},
      data: data.nodes.map(function (n) { return {name: n.name, value: n.value, symbolSize: 10 + 30 * n.value / max}; }),
      links: data.links.map(function (l) { return {source: l.source, target: l.target, value: l.value, lineStyle: {width: 0.5 + 4 * l.value / maxLink, opacity: 0.2 + 0.6 * l.value / maxLink}}; }),
    }],
  });
  var charts = [chart];
  var profile = JSON.parse(document.getElementById("profile-data").textContent) || {};
  function bars(id, pairs, color) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var c = echarts.init(element);
    c.setOption({
      tooltip: {}, grid: {left: 40, right: 10, top: 10, bottom: 50},
      xAxis: {type: "category", data: (pairs || []).map(function (p) { return p[0]; }), axisLabel: {interval: 0, rotate: 40}},
      yAxis: {type: "value", name: element.getAttribute("data-axis-name") || ""},
      series: [{type: "bar", data: (pairs || []).map(function (p) { return p[1]; }), itemStyle: {color: color}}],
    });
    charts.push(c);
  }
  (function () {
    var element = document.getElementById("nature-chart");
    var c = echarts.init(element);
    c.setOption({
      tooltip: {trigger: "item", formatter: "{b}：{c}（{d}%）"},
      series: [{type: "pie", radius: ["35%", "70%"], data: (profile.nature || []).map(function (p) { return {name: p[0], value: p[1]}; })}],
    });
    charts.push(c);
  })();
  bars("flavour-chart", profile.flavours, "#b5651d");
  bars("meridian-chart", profile.meridians, "#2f6f4f");
  var tree = JSON.parse(document.getElementById("dendrogram-data").textContent);
  var clusterElement = document.getElementById("cluster-chart");
  if (tree && clusterElement) {
    var label = clusterElement.getAttribute("data-merge-label") || "";
    var c = echarts.init(clusterElement);
    c.setOption({
      tooltip: {formatter: function (p) { return p.data.name || (label + " " + p.data.height); }},
      series: [{type: "tree", data: [tree], orient: "LR", initialTreeDepth: -1, left: 20, right: 80, top: 10, bottom: 10,
        symbolSize: 6, label: {position: "left", fontSize: 11}, leaves: {label: {position: "right"}}, expandAndCollapse: false}],
    });
    charts.push(c);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
