"""Duplicate declarations (issue 12 §10): the same holder alone is no duplicate; an exact duplicate
(same holder, name and method) is refused at declaration and at import with a link to the record
it repeats; staff close a flagged pair as "not a duplicate" or merge one declaration into the
other, which keeps the files, the history and the audit trail of both, the merged one ending in
已合并 through the workflow core."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from chuancheng.demo import demo_id_number
from chuancheng.test import declaration_for
from techniques import services
from techniques.models import SimilarityFlag, Technique
from techniques.tests.test_declaration import _form
from techniques.tests.test_spreadsheets import good, run, xlsx
from workflow.models import AuditEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _submitted(world, name: str, method: str, **fields) -> Technique:
    return declaration_for(
        world.guo, world.township_centre.region, submit=True, name=name, operation_method=method, **fields
    )


# --- what is and is not a duplicate -------------------------------------------------------------


def test_the_same_holder_alone_is_not_a_duplicate(world):
    first = _submitted(world, "郭氏小儿推拿治疗积滞", "补脾经三百次，清大肠二百次，摩腹五分钟。")
    second = _submitted(world, "郭氏艾灸治疗痛经", "隔姜灸关元、气海各五壮，每日一次，七日为一疗程。")
    assert not SimilarityFlag.objects.filter(technique__in=[first, second]).exists()


def test_an_exact_duplicate_is_refused_with_the_record_it_repeats(world):
    first = declaration_for(world.guo)
    with pytest.raises(services.DuplicateDeclaration) as refused:
        # The same method with other spacing is the same method.
        declaration_for(world.guo, operation_method=" " + first.operation_method.replace("，", "， \n"))
    assert refused.value.existing == first and refused.value.field == "name"
    assert f"/techniques/manage/{first.pk}/" in refused.value.message
    assert Technique.objects.count() == 1


def test_another_method_or_another_holder_is_no_exact_duplicate(world):
    first = declaration_for(world.guo)
    declaration_for(world.guo, operation_method="另一种操作方法：揉板门一百次。")
    # Another holder (the county's staff type in a paper form of another person, by ID number).
    other = services.technique_create(
        actor=world.sun,
        channel="offline",
        entered_org=world.yanhu_health,
        holders=[services.HolderData(name="郭秀兰", id_number=demo_id_number("140802", "19700101", 321))],
        name=first.name,
        region=world.township_centre.region,
        operation_method=first.operation_method,
    )
    assert other.pk and Technique.objects.count() == 3


def test_an_edit_that_makes_a_declaration_an_exact_duplicate_is_refused(world):
    first = declaration_for(world.guo)
    second = declaration_for(world.guo, operation_method="另一种操作方法：揉板门一百次。")
    with pytest.raises(services.DuplicateDeclaration):
        services.technique_update(technique=second, actor=world.guo, operation_method=first.operation_method)
    second.refresh_from_db()
    assert second.operation_method == "另一种操作方法：揉板门一百次。"


def test_the_declaration_form_shows_the_refusal_with_a_link(world, client_for):
    client = client_for("guo")
    assert client.post("/techniques/declare/", _form()).status_code == 302
    existing = Technique.objects.get()
    page = client.post("/techniques/declare/", _form())
    assert page.status_code == 200
    html = page.content.decode()
    assert "该技术已申报" in html and f'<a href="/techniques/manage/{existing.pk}/">' in html
    assert Technique.objects.count() == 1


def test_the_api_refuses_an_exact_duplicate_with_a_400(world, client_for):
    first = declaration_for(world.guo)
    response = client_for("guo").post(
        "/api/v1/techniques",
        {
            "name": first.name,
            "region": first.region_id,
            "category": first.category_id,
            "inheritance": first.inheritance_id,
            "operation_method": first.operation_method,
            "consent_publish": True,
            "consent_research": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "该技术已申报" in response.json()["detail"]


def test_an_import_row_that_repeats_a_declaration_is_refused_naming_it(world):
    first = run(world, xlsx([good()]))
    assert first.ok
    existing = Technique.objects.get()
    again = run(world, xlsx([good(**{"技术名称*": "另一项技术"}), good()]))
    assert not again.ok
    [issue] = again.errors
    assert issue.row == 3 and issue.column == "技术名称*"
    assert "该技术已申报" in issue.rule and f"/techniques/manage/{existing.pk}/" in issue.rule
    assert Technique.objects.count() == 1
    # The same name with another method is a new technique.
    assert run(world, xlsx([good(**{"操作方法或制备工艺*": "另一种操作方法。"})])).ok


# --- staff decide a flagged pair -------------------------------------------------------------------


@pytest.fixture
def pair(world):
    """Two declarations of one technique in 盐湖区 whose names are nearly the same: flagged."""
    kept = _submitted(world, "郭氏小儿推拿治疗积滞", "补脾经三百次，清大肠二百次，摩腹五分钟。")
    duplicate = _submitted(world, "郭氏小儿推拿治疗积滞症", "补脾经、清大肠、摩腹、捏脊。")
    flag = SimilarityFlag.objects.get(technique=duplicate, similar_to=kept)
    return kept, duplicate, flag


def test_county_staff_mark_a_flagged_pair_not_a_duplicate(world, pair, client_for):
    kept, duplicate, flag = pair
    page = client_for("sun").get(f"/techniques/manage/{duplicate.pk}/").content.decode()
    assert f"/techniques/flags/{flag.pk}/dismiss/" in page
    response = client_for("sun").post(f"/techniques/flags/{flag.pk}/dismiss/", {"reason": "两项不同的技术"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolved and flag.decision == "not_duplicate" and flag.decided_by == world.sun
    entry = AuditEntry.objects.get(object_id=str(duplicate.pk), to_state="不是重复")
    assert entry.actor == world.sun and entry.reason == "两项不同的技术"
    assert "可能重复的申报" not in client_for("sun").get(f"/techniques/manage/{duplicate.pk}/").content.decode()
    # Decided once: a second post is told so, not recorded again.
    again = client_for("sun").post(f"/techniques/flags/{flag.pk}/dismiss/", follow=True)
    assert "这一对申报已有结论" in again.content.decode()
    assert AuditEntry.objects.filter(object_id=str(duplicate.pk), to_state="不是重复").count() == 1


def test_only_staff_who_handle_both_decide_a_pair(world, pair, client_for):
    _kept, _duplicate, flag = pair
    # Outside the county the pair does not exist; the holder may see it but not decide it.
    assert client_for("zhou").post(f"/techniques/flags/{flag.pk}/dismiss/").status_code == 404
    assert client_for("guo").post(f"/techniques/flags/{flag.pk}/dismiss/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.similarity_flag_dismiss(flag=flag, actor=world.guo)
    flag.refresh_from_db()
    assert not flag.resolved


def test_merging_keeps_files_records_history_and_both_audit_trails(world, pair, client_for):
    kept, duplicate, flag = pair
    services.technique_file_add(
        technique=duplicate, actor=world.sun, upload=SimpleUploadedFile("p.png", PNG), title="现场照片"
    )
    services.protection_add(technique=duplicate, actor=world.sun, kind="ich", level="county", title="县级名录")
    services.technique_advance(technique=duplicate, actor=world.lin, to="received", reason="受理")
    before = set(AuditEntry.objects.filter(object_id=str(duplicate.pk)).values_list("pk", flat=True))
    page = client_for("sun").get(f"/techniques/manage/{duplicate.pk}/").content.decode()
    assert f"/techniques/manage/{duplicate.pk}/merge/" in page  # the move's own page
    form = client_for("sun").get(f"/techniques/manage/{duplicate.pk}/merge/").content.decode()
    assert f'value="{kept.pk}"' in form

    response = client_for("sun").post(
        f"/techniques/manage/{duplicate.pk}/merge/", {"into": kept.pk, "expect": "received", "reason": "同一技术"}
    )
    assert response.status_code == 302 and response["Location"] == f"/techniques/manage/{kept.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.status == Technique.Status.MERGED and duplicate.merged_into == kept
    assert list(kept.files.values_list("title", flat=True)) == ["现场照片"]
    assert kept.protections.get().title == "县级名录"
    assert Technique.objects.get(pk=kept.pk).protection_label == "已列入县级非物质文化遗产名录"
    # The merged declaration's own trail is whole, with the move through the workflow core.
    after = set(AuditEntry.objects.filter(object_id=str(duplicate.pk)).values_list("pk", flat=True))
    assert before < after
    move = AuditEntry.objects.get(object_id=str(duplicate.pk), to_state="已合并")
    assert move.from_state == "已受理" and move.actor == world.sun and move.reason == "同一技术"
    assert AuditEntry.objects.filter(object_id=str(kept.pk), to_state="已合并入").exists()
    flag.refresh_from_db()
    assert flag.decision == "merged"
    # The kept declaration's page reads both histories and links the merged one, and back.
    html = client_for("sun").get(f"/techniques/manage/{kept.pk}/").content.decode()
    assert 'id="merged-from"' in html and f"/techniques/manage/{duplicate.pk}/" in html and "已合并" in html
    assert 'id="merged-into"' in client_for("sun").get(f"/techniques/manage/{duplicate.pk}/").content.decode()
    # The declarant hears of it.
    assert world.guo.notifications.filter(title__contains="合并").exists()


def test_a_merge_is_refused_twice_by_a_stranger_and_through_the_plain_move_button(world, pair, client_for):
    kept, duplicate, _flag = pair
    assert client_for("zhou").get(f"/techniques/manage/{duplicate.pk}/merge/").status_code == 404
    assert client_for("guo").get(f"/techniques/manage/{duplicate.pk}/merge/").status_code == 403
    # The one move endpoint does not guess which declaration is kept.
    refused = client_for("sun").post(
        f"/audit/move/techniques.technique/{duplicate.pk}/", {"to": "merged", "expect": "submitted"}, follow=True
    )
    assert "合并请在合并页面选择保留的申报" in refused.content.decode()
    services.technique_merge(technique=duplicate, into=kept, actor=world.sun)
    with pytest.raises(Exception) as second:
        services.technique_merge(technique=duplicate, into=kept, actor=world.sun, expect="submitted")
    assert not isinstance(second.value, Http404)
    duplicate.refresh_from_db()
    assert duplicate.status == "merged"
    # Nothing merges into itself or into a merged declaration.
    with pytest.raises(Exception, match="不能"):
        services.technique_merge(technique=kept, into=duplicate, actor=world.sun)
