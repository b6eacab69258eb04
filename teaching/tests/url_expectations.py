"""Who may open each teaching URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from teaching import services
    from teaching.tests.factories import apprenticeship_for, log, plan_for

    signed_in, only = groups["signed_in"], groups["only"]
    # 张医生 teaches 李明 of 永济市中医医院: both parties; the programme's units (王审核, 赵主任);
    # the office staff over 永济市 (周科员, 杨主任). 陈专家 reaches it through 张医生's hospital but
    # an expert has no business in it (403); everyone else does not see it (404).
    a = apprenticeship_for(world)
    plan_for(world, a)
    activity = log(world, a)
    item = services.graduation_item_add(apprenticeship=a, actor=world.liming, kind="paper", title="论文", text="摘要")
    parties_and_staff = {p: 200 for p in ("zhang", "liming", "wang", "zhao", "zhou", "yang", "admin")}
    view = only({**parties_and_staff, "chen": 403}, 404)
    api_view = {**view, "anon": 401}
    # Only the apprentice logs hours; the others who reach the record are told 403.
    log_page = only(
        {"liming": 200, "admin": 200, **{p: 403 for p in ("zhang", "wang", "zhao", "zhou", "yang", "chen")}}, 404
    )
    # Neither the activity nor the item has a file: nobody gets one (陈专家 is refused first).
    no_file = only({"chen": 403}, 404)
    post = signed_in(405)
    api_post = dict.fromkeys(groups["PERSONAS"], 405)
    pk = {"pk": a.pk}
    return {
        "teaching:list": ({}, {}, signed_in(200)),
        "teaching:confirm-queue": ({}, {}, signed_in(200)),
        "teaching:progress": (pk, {}, view),
        "teaching:plan": (pk, {}, view),
        "teaching:plan-submit": (pk, {}, post),
        "teaching:plan-decide": (pk, {}, post),
        "teaching:activity-list": (pk, {"status": "pending"}, view),
        "teaching:activity-create": (pk, {}, log_page),
        "teaching:activity-decide": ({"activity_pk": activity.pk}, {}, post),
        "teaching:activity-evidence": ({"activity_pk": activity.pk}, {}, no_file),
        "teaching:activity-batch": ({}, {}, post),
        "teaching:graduation": (pk, {}, view),
        "teaching:graduation-item-add": (pk, {}, post),
        "teaching:graduation-submit": (pk, {}, post),
        "teaching:graduation-early": (pk, {}, post),
        "teaching:graduation-assess": (pk, {}, post),
        "teaching:graduation-issue": (pk, {}, post),
        "teaching:graduation-item-remove": ({"item_pk": item.pk}, {}, post),
        "teaching:graduation-item-file": ({"item_pk": item.pk}, {}, no_file),
        "api:teaching_apprenticeship_list": ({}, {}, signed_in(200, anon=401)),
        "api:teaching_progress_get": (pk, {}, api_view),
        # GET on the path that also takes PUT (save) is the plan.
        "api:teaching_plan_get": (pk, {}, api_view),
        "api:teaching_plan_save": (pk, {}, api_view),
        "api:teaching_plan_submit": (pk, {}, api_post),
        "api:teaching_plan_decide": (pk, {}, api_post),
        # GET on the path that also takes POST (log) is the list.
        "api:teaching_activity_list": (pk, {}, api_view),
        "api:teaching_activity_log": (pk, {}, api_view),
        "api:teaching_activity_decide": ({"pk": activity.pk}, {}, api_post),
        "api:teaching_activity_decide_batch": ({}, {}, api_post),
        "api:teaching_graduation_get": (pk, {}, api_view),
        "api:teaching_graduation_item_add": (pk, {}, api_post),
        "api:teaching_graduation_submit": (pk, {}, api_post),
        "api:teaching_graduation_assess": (pk, {}, api_post),
        "api:teaching_graduation_issue": (pk, {}, api_post),
    }
