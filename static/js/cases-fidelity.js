// The fidelity chart of an apprentice's cases (templates/cases/_fidelity.html): data from
// <script type="application/json" id="fidelity-data">, series names from data attributes.
(function () {
  "use strict";
  var element = document.querySelector(".fidelity-chart");
  var source = document.getElementById("fidelity-data");
  if (!element || !source) { return; }
  var data = JSON.parse(source.textContent);
  var scoreLabel = element.getAttribute("data-score-label");
  var meanLabel = element.getAttribute("data-mean-label");
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {data: [scoreLabel, meanLabel]},
    grid: {left: 40, right: 20, top: 30, bottom: 30},
    xAxis: {type: "category", data: data.labels, axisLabel: {show: false}},
    yAxis: {type: "value", min: 0, max: 100},
    series: [{name: scoreLabel, type: "line", data: data.scores, symbolSize: 5},
             {name: meanLabel, type: "line", data: data.moving, smooth: true, showSymbol: false}],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
