"""The protection status of a technique is read from its protection records (issue 12 §12): a
county ICH listing recorded shows the technique as listed, everywhere it is shown, with nothing
stored beside the records that could say otherwise."""

from __future__ import annotations

import io

from django.test import Client
from openpyxl import load_workbook

from chuancheng.test import declaration_for
from techniques import services
from techniques.models import Technique
from techniques.spreadsheets import write_export


def test_a_technique_without_records_is_unprotected(world):
    t = declaration_for(world.guo)
    assert t.protection_status == Technique.Protection.NONE
    assert t.protection_label == "未采取保护措施"


def test_a_county_ich_listing_shows_the_technique_as_listed(world, client_for):
    t = declaration_for(world.guo)
    services.protection_add(technique=t, actor=world.guo, kind="ich", level="county", title="郭氏小儿推拿")
    t = Technique.objects.get(pk=t.pk)
    assert t.protection_status == Technique.Protection.ICH
    assert t.protection_label == "已列入县级非物质文化遗产名录"
    page = client_for("guo").get(f"/techniques/manage/{t.pk}/").content.decode()
    assert "已列入县级非物质文化遗产名录" in page and "未采取保护措施" not in page


def test_the_highest_listing_is_named(world):
    t = declaration_for(world.guo)
    services.protection_add(technique=t, actor=world.guo, kind="ich", level="county", title="县级名录")
    services.protection_add(technique=t, actor=world.guo, kind="ich", level="provincial", title="省级名录")
    assert Technique.objects.get(pk=t.pk).protection_label == "已列入省级非物质文化遗产名录"


def test_a_listing_and_a_patent_are_several_ways(world):
    t = declaration_for(world.guo)
    services.protection_add(technique=t, actor=world.guo, kind="ich", level="city", title="市级名录")
    services.protection_add(technique=t, actor=world.guo, kind="patent", title="一种推拿介质")
    t = Technique.objects.get(pk=t.pk)
    assert t.protection_status == Technique.Protection.MULTIPLE
    assert t.protection_label == "多种保护方式：已列入市级非物质文化遗产名录；已申请或获得专利"


def test_a_holders_rights_alone_are_no_protection_measure(world):
    t = declaration_for(world.guo)
    services.protection_add(technique=t, actor=world.guo, kind="rights", title="署名权")
    assert Technique.objects.get(pk=t.pk).protection_status == Technique.Protection.NONE


def test_the_declaration_form_no_longer_asks_for_a_status_that_the_records_would_contradict(world, client_for):
    page = client_for("guo").get("/techniques/declare/").content.decode()
    assert 'name="protection"' not in page


def test_the_public_page_and_the_export_show_the_listing(world, client_for):
    t = declaration_for(world.guo, world.township_centre.region, submit=True)
    for actor, to in ((world.lin, "received"), (world.sun, "verified"), (world.yang, "accepted")):
        services.technique_advance(technique=t, actor=actor, to=to)
    services.protection_add(technique=t, actor=world.yang, kind="ich", level="county", title="盐湖区非遗")
    services.technique_advance(technique=t, actor=world.yang, to="published")
    assert "已列入县级非物质文化遗产名录" in Client().get(f"/techniques/{t.pk}/").content.decode()
    buffer = io.BytesIO()
    write_export(Technique.objects.filter(pk=t.pk), buffer)
    sheet = load_workbook(buffer).active
    headers = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[headers.index("保护状态")] == "已列入县级非物质文化遗产名录"
