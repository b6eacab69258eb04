// The charts of a prescription-mining analysis (templates/cases/analysis_detail.html): data from
// the page's <script type="application/json"> blocks, labels from data attributes.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("network-data").textContent);
  var max = Math.max.apply(null, data.nodes.map(function (n) { return n.value; }).concat([1]));
  // Strongest first (the analysis saves them so; older analyses are sorted here).
  var links = data.links.slice().sort(function (a, b) { return b.value - a.value; });
  var maxLink = links.length ? links[0].value : 1;
  var networkElement = document.getElementById("network-chart");
  var communityLabel = networkElement.getAttribute("data-community-label") || "";
  var communities = Math.max.apply(null, data.nodes.map(function (n) { return n.community || 0; }).concat([0])) + 1;
  var categories = [];
  for (var i = 0; i < communities; i++) { categories.push({name: communityLabel + " " + (i + 1)}); }
  var edgesInput = document.getElementById("network-edges");
  var chart = echarts.init(networkElement);
  function drawNetwork() {
    var shown = links.length;
    if (edgesInput) {
      var wanted = parseInt(edgesInput.value, 10);
      if (wanted > 0) { shown = Math.min(wanted, links.length); }
    }
    chart.setOption({
      tooltip: {},
      legend: communities > 1 ? {type: "scroll", bottom: 0, data: categories.map(function (c) { return c.name; })} : undefined,
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: {repulsion: 110, gravity: 0.25, edgeLength: [30, 120], layoutAnimation: false},
        label: {show: true, position: "right", fontSize: 11, color: "#333"}, labelLayout: {hideOverlap: true},
        emphasis: {focus: "adjacency"},
        categories: categories,
        data: data.nodes.map(function (n) { return {name: n.name, value: n.value, category: n.community || 0, symbolSize: 8 + 30 * n.value / max}; }),
        links: links.slice(0, shown).map(function (l) { return {source: l.source, target: l.target, value: l.value, lineStyle: {width: 0.5 + 4 * l.value / maxLink, opacity: 0.25 + 0.6 * l.value / maxLink}}; }),
      }],
    }, {replaceMerge: ["series"]});
  }
  drawNetwork();
  if (edgesInput) { edgesInput.addEventListener("input", drawNetwork); }
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
