"""张医生 imports his cases from a spreadsheet, runs an analysis and reads the charts and tables —
clicked through in a real Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Analysis
from cases.tests.sheets import row, sheet
from chuancheng.test import World
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser


def test_zhang_imports_his_cases_and_reads_the_analysis(page: Page, live_world: World, tmp_path):
    rows = []
    for i in range(20):
        base = "桂枝9g;白芍9g;炙甘草6g;生姜9g;大枣4枚" if i % 2 else "人参9g;白术9g;茯苓9g;炙甘草6g"
        rows.append(row(name=f"患者{i}", composition=base + ";黄芪15g"))
    workbook = tmp_path / "张医生病案.xlsx"
    workbook.write_bytes(sheet(rows))

    sign_in(page, "zhang")
    page.goto("/cases/import/")
    page.get_by_label("病案表格（.xlsx，每行一诊次）").set_input_files(str(workbook))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator("#job-message")).to_contain_text("新建病案 20 份")

    page.goto("/cases/analyses/new/")
    page.get_by_label("医师").select_option(label="张医生")
    page.get_by_label("最小支持度").fill("0.3")
    page.get_by_label("最小置信度").fill("0.8")
    page.get_by_label("聚类组数（核心组合）").fill("3")
    page.get_by_role("button", name="开始分析").click()
    expect(page).to_have_url(re.compile(r"/cases/analyses/\d+/$"))

    # ECharts drew into canvases: the network, the three profiles and the cluster tree.
    for chart in ("#network-chart", "#nature-chart", "#flavour-chart", "#meridian-chart", "#cluster-chart"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    width = page.locator("#network-chart canvas").evaluate("c => c.width")
    assert width > 100
    analysis = Analysis.objects.get()
    first = analysis.results["frequency"][0]
    expect(page.locator("#frequency-table tbody tr").first).to_contain_text(first["herb"])
    expect(page.locator("#frequency-table tbody tr").first).to_contain_text(str(first["count"]))
    expect(page.locator("#frequency-table tbody tr")).to_have_count(len(analysis.results["frequency"]))
    expect(page.locator("#combination-table")).to_contain_text("桂枝")
    expect(page.locator("#analysis-citation")).to_contain_text("共 20 张处方")
    # The chart's data is what the table says: 炙甘草 is in every prescription.
    series = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('network-chart')).getOption().series[0].data"
    )
    assert {"炙甘草": 20}.items() <= {d["name"]: d["value"] for d in series}.items()
