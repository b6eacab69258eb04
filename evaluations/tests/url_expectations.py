"""Who may open each evaluations URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from evaluations import services
    from evaluations.tests.factories import expert, open_evaluation

    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    # 郭秀兰's technique in a township of 盐湖区, being evaluated by the city; 陈专家 (盐湖区, so
    # conflicted) invited with a waiver. The city office and the county and township staff above
    # the technique see it; 陈专家 as a panel member; the rest of the world does not.
    evaluation = open_evaluation(world)
    chen = expert(world, "", user=world.chen)
    assignment = services.assignment_create(
        actor=world.yang, evaluation=evaluation, expert=chen, waiver_reason="专长唯一"
    )
    view = only({"yang": 200, "sun": 200, "lin": 200, "chen": 200, "admin": 200}, 404)
    manage = only({"yang": 200, "admin": 200, "sun": 403, "lin": 403, "chen": 403}, 404)
    # 陈专家's own profile: himself, the office staff above 盐湖区; his colleague 张医生 at the same
    # hospital reaches it but may not open it.
    profile = only({"chen": 200, "yang": 200, "sun": 200, "admin": 200, "zhang": 403}, 404)
    city = only({"yang": 200, "admin": 200}, 403)
    sheet = only({"chen": 200, "admin": 200, "yang": 403, "sun": 403, "lin": 403}, 404)
    # An assignment's address sends 陈专家 to where he answers it and the others who see the
    # evaluation to its panel.
    assignment_page = only({"chen": 302, "yang": 302, "sun": 302, "lin": 302, "admin": 302}, 404)
    post = signed_in(405)
    e, a = {"pk": evaluation.pk}, {"pk": assignment.pk}
    api = lambda table: {**table, "anon": 401}  # noqa: E731
    return {
        "evaluations:list": ({}, {}, signed_in(200)),
        "evaluations:open": ({}, {}, city),
        "evaluations:detail": (e, {}, view),
        "evaluations:assign": (e, {}, post),
        "evaluations:advance": (e, {}, post),
        "evaluations:conclude": (e, {}, post),
        "evaluations:decide": (e, {}, post),
        "evaluations:efficacy-add": (e, {}, post),
        "evaluations:follow-up-add": (e, {}, post),
        "evaluations:meeting-add": (e, {}, post),
        "evaluations:promotion-add": (e, {}, post),
        "evaluations:pricing": (e, {}, post),
        "evaluations:assignment": (a, {}, assignment_page),
        "evaluations:assignment-withdraw": (a, {}, post),
        "evaluations:respond": (a, {}, post),
        "evaluations:score": (a, {}, sheet),
        "evaluations:invitation": ({"token": "not-a-real-token"}, {}, signed_in(404)),
        "evaluations:queue": ({}, {}, signed_in(200)),
        "evaluations:rubrics": ({}, {}, everyone(200)),
        "evaluations:experts": ({}, {}, signed_in(200)),
        "evaluations:expert-create": ({}, {}, city),
        "evaluations:expert-detail": ({"pk": chen.pk}, {}, profile),
        "evaluations:relationship-add": ({"pk": chen.pk}, {}, post),
        "evaluations:availability": ({"pk": chen.pk}, {}, post),
        "evaluations:graded": ({}, {}, signed_in(200)),
        "evaluations:catalogue": ({}, {}, everyone(200)),
        "evaluations:training-add": ({"pk": 1}, {}, post),
        "evaluations:trainee-add": ({"pk": 1}, {}, post),
        "evaluations:trainee-complete": ({"pk": 1}, {}, post),
        "evaluations:clinic-add": ({"pk": 1}, {}, post),
        "evaluations:pricing-export": ({}, {}, city),
        "evaluations:dashboard": ({}, {}, signed_in(200)),
        "api:expert_list": ({}, {}, signed_in(200, anon=401)),
        "api:expert_create": ({}, {}, signed_in(200, anon=401)),
        "api:expert_get": ({"pk": chen.pk}, {}, api(profile)),
        "api:expert_relationship_declare": ({"pk": chen.pk}, {}, everyone(405)),
        "api:expert_availability_set": ({"pk": chen.pk}, {}, everyone(405)),
        "api:rubric_list": ({}, {}, everyone(200)),
        "api:evaluation_list": ({}, {}, signed_in(200, anon=401)),
        "api:evaluation_open": ({}, {}, signed_in(200, anon=401)),
        "api:evaluation_get": (e, {}, api(view)),
        "api:evaluation_suggestions": (e, {}, api(manage)),
        "api:evaluation_assignments": (e, {}, api(view)),
        "api:assignment_create": (e, {}, api(view)),
        "api:assignment_queue": ({}, {}, signed_in(200, anon=401)),
        "api:assignment_respond": (a, {}, everyone(405)),
        "api:assignment_withdraw": (a, {}, everyone(405)),
        "api:score_submit": (a, {}, everyone(405)),
        "api:evaluation_start_scoring": (e, {}, everyone(405)),
        "api:evaluation_cancel": (e, {}, everyone(405)),
        # Blind: 陈专家 has not scored, so the aggregate is not his to see yet.
        "api:evaluation_aggregate": (e, {}, api({**view, "chen": 403})),
        "api:evaluation_evidence": (e, {}, api(view)),
        "api:efficacy_record_add": (e, {}, everyone(405)),
        "api:follow_up_add": (e, {}, everyone(405)),
        "api:meeting_add": (e, {}, everyone(405)),
        "api:evaluation_conclusions": (e, {}, api(view)),
        "api:evaluation_conclude": (e, {}, everyone(405)),
        "api:evaluation_decide": (e, {}, everyone(405)),
        "api:graded_list": ({}, {}, signed_in(200, anon=401)),
        "api:promotion_catalogue": ({}, {}, everyone(200)),
        "api:promotion_list": (e, {}, everyone(405)),
        "api:training_class_add": ({"pk": 1}, {}, everyone(405)),
        "api:trainee_add": ({"pk": 1}, {}, everyone(405)),
        "api:trainee_complete": ({"pk": 1}, {}, everyone(405)),
        "api:clinic_add": ({"pk": 1}, {}, everyone(405)),
        "api:pricing_record": (e, {}, everyone(405)),
        "api:pricing_export": ({}, {}, api(city)),
        "api:evaluation_dashboard": ({}, {}, signed_in(200, anon=401)),
    }
