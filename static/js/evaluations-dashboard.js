// The evaluation dashboard's charts (templates/evaluations/dashboard.html): figures from the
// page's <script type="application/json" id="figures">.
(function () {
  "use strict";
  var f = JSON.parse(document.getElementById("figures").textContent);
  function bar(id, rows, color) {
    var chart = echarts.init(document.getElementById(id));
    chart.setOption({
      tooltip: {}, grid: {left: 40, right: 20, top: 10, bottom: 40},
      xAxis: {type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: {interval: 0}},
      yAxis: {type: "value"},
      series: [{type: "bar", data: rows.map(function (r) { return r.value; }), itemStyle: {color: color}}],
    });
    return chart;
  }
  var charts = [bar("chart-stages", f.stages, "#a8552f"), bar("chart-days", f.days, "#2f6ea8")];
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
