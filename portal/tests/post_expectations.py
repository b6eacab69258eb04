"""Who may POST to each URL that accepts POST (walked by portal/tests/test_every_post.py).

`outcomes(default, ok=…, invalid=…, forbidden=…, hidden=…, login=…, no_post=…)`: the outcome for
every persona, `default` for those not named; `signed_in(…)` the same for a URL that sends the
signed-out visitor to sign in (401 from the API). See test_every_post.py for what each outcome
means. The records are those of the GET walk (test_every_url.py and each app's
tests/url_expectations.py), and each persona walks the rows in this order in a world of their own:
a row sees what the rows above it did (a submitted draft, a removed material).

What every row keeps to: outside a record's scope there is nothing but 404 (or sign-in); in scope
without the role, 403 — before the input is read, so neither sees "ok" or "invalid"; "invalid" is
what the empty POST earns from someone who may act. The exceptions are named above their rows: the
forms anyone signed in may fill in for themselves, and URLs whose record is named by the input."""

from portal.tests.test_every_url import PERSONAS

NAMED = {"ok": "ok", "invalid": "invalid", "forbidden": 403, "hidden": 404, "login": "login", "no_post": 405}


def outcomes(default, **groups) -> dict:
    table = dict.fromkeys(PERSONAS, default)
    for key, personas in groups.items():
        for persona in personas:
            table[persona] = NAMED[key]
    return table


def signed_in(default, **groups) -> dict:
    return {**outcomes(default, **groups), "anon": "login"}


def post_expectations(world) -> dict:
    return {
        # --- accounts, the workflow endpoint, the framework's own ---------------------------------
        # Signing in and out, the password forms, one's own API tokens and the language: each
        # person's own, open to everyone the form is for (the empty form is shown again).
        "accounts:login": outcomes("ok"),
        # Without the password step first, the code is not even read: back to sign in.
        "accounts:mfa-verify": outcomes("login"),
        "accounts:mfa-setup": outcomes("login"),
        "accounts:logout": outcomes("ok"),
        "accounts:password-change": signed_in("ok"),
        "accounts:password-reset": outcomes("ok"),
        "accounts:password-reset-confirm": outcomes("ok"),
        "accounts:token-list": signed_in("ok"),
        # Registration is anyone's (the signed-in are sent to their workbench); a code request
        # without a number is refused naming the field.
        "accounts:register": outcomes("ok"),
        "accounts:register-code": outcomes("invalid"),
        # Token 1 is nobody's in this world.
        "accounts:token-revoke": signed_in(404),
        # The workstation pending in 永济市: the host unit (赵主任) decides; 永济's and the city's
        # staff reach it without the act.
        "accounts:workstation-decide": signed_in(404, forbidden=("zhou", "yang"), invalid=("zhao", "admin")),
        # 张医生's account: the staff above 盐湖区 and his colleague 陈专家 reach it, and he himself,
        # but only a unit admin of his unit may disable it (none of the personas is one).
        "accounts:person-set-active": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), invalid=("admin",)),
        # The workstation again, through the one move endpoint: an empty post names no move, so
        # those who reach the record with no move on it are refused, those with one are asked to choose.
        "workflow:move": signed_in(404, forbidden=("zhou", "yang"), invalid=("zhao", "admin")),
        # The API's root path is no page; its schema and docs are django-ninja's public views,
        # which answer any method.
        "api:api-root": outcomes(404),
        "api:openapi-json": outcomes("ok"),
        "api:openapi-view": outcomes("ok"),
        "set_language": outcomes("ok"),
        # --- techniques: 郭秀兰's draft in 临猗县 (herself, the city's staff) ----------------------
        "techniques:declaration-create": signed_in("ok", forbidden=("zhang", "liming", "wang", "zhao", "chen")),
        "techniques:declaration-edit": signed_in(404, forbidden=("yang",), ok=("guo", "admin")),
        "techniques:declaration-submit": signed_in(404, forbidden=("yang",), ok=("guo", "admin")),
        # 杨主任 accepts and publishes for the city, so the moves and the curating forms are his too.
        "techniques:technique-advance": signed_in(404, invalid=("yang", "guo", "admin")),
        "techniques:protection-add": signed_in(404, invalid=("yang", "guo", "admin")),
        "techniques:consent-add": signed_in(404, invalid=("yang", "guo", "admin")),
        "techniques:procedure-add": signed_in(404, invalid=("yang", "guo", "admin")),
        "techniques:file-add": signed_in(404, invalid=("yang", "guo", "admin")),
        # Grading is the city's alone: the declarant reaches her draft but may not grade it.
        "techniques:classify": signed_in(404, forbidden=("guo",), invalid=("yang", "admin")),
        # The city's vocabularies: terms are no one's records, so the others are refused the role.
        "techniques:vocabulary-list": signed_in(403, invalid=("yang", "admin")),
        "techniques:term-rename": signed_in(403, invalid=("yang", "admin")),
        "techniques:import": signed_in(403, ok=("sun", "zhou", "yang", "lin", "admin")),
        # The API's list and create share one path. A declaration's region comes with it, so a
        # declarant's scope cannot be known before the body is read: the role is.
        "api:technique_list": signed_in("invalid", forbidden=("zhang", "liming", "wang", "zhao", "chen")),
        "api:technique_create": signed_in("invalid", forbidden=("zhang", "liming", "wang", "zhao", "chen")),
        # Submitted on the page a row above: a second submission is refused for the state.
        "api:technique_submit": signed_in(404, forbidden=("yang",), invalid=("guo", "admin")),
        "api:technique_advance": signed_in(404, invalid=("yang", "guo", "admin")),
        "techniques:research-create": signed_in(403, ok=("sun", "zhou", "yang", "lin", "admin")),
        "techniques:research-edit": signed_in(404, ok=("sun", "yang", "admin")),
        # The project is named by the input: an empty post names none.
        "techniques:research-link": signed_in(404),
        # 郭秀兰's published technique merges into nothing: refused to those who see it; flag 0 is none.
        "techniques:merge": signed_in(404, forbidden=("guo", "lin", "sun", "yang", "admin")),
        "techniques:flag-dismiss": signed_in(404),
        "techniques:research-unlink": signed_in(404),
        "api:research_project_list": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:research_project_create": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:research_project_link": signed_in(404, invalid=("sun", "yang", "admin")),
        # --- masters: 张医生's draft application (himself, 盐湖区's and the city's staff; 陈专家 at
        # his hospital reaches it); the programme's units do not see a draft -----------------------
        # Anyone signed in may apply for themselves.
        "masters:application-create": signed_in("ok"),
        "masters:application-edit": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        "masters:application-submit": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        # The applicant's own move (submitting) is in the table, so he is asked for a decision too.
        "masters:application-advance": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        "masters:exemption-decide": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), ok=("admin",)),
        "masters:material-list": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        # A product of 张德润 (运城市中医医院): only he manages his materials; his colleagues and the
        # staff above 盐湖区 reach it.
        "masters:material-publish": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), invalid=("admin",)),
        "masters:partner-add": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), ok=("admin",)),
        "masters:material-remove": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), ok=("admin",)),
        # Applying through the API: anyone signed in, for themselves.
        "api:master_application_list": signed_in("invalid"),
        "api:master_application_create": signed_in("invalid"),
        "api:master_application_submit": signed_in(404, forbidden=("chen", "sun", "yang"), invalid=("zhang", "admin")),
        "api:master_application_review": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), invalid=("admin",)),
        "api:master_application_select": signed_in(404, forbidden=("zhang", "chen", "sun", "yang"), invalid=("admin",)),
        "api:master_application_certify": signed_in(
            404, forbidden=("zhang", "chen", "sun", "yang"), invalid=("admin",)
        ),
        # 张德润, certified: everyone who reaches a certified master (the programme's units, 盐湖区's
        # and the city's staff, his colleagues) may read his materials, only he uploads them.
        "api:master_material_list": signed_in(403, hidden=("liming", "zhou", "guo", "lin"), invalid=("admin",)),
        "api:master_material_upload": signed_in(403, hidden=("liming", "zhou", "guo", "lin"), invalid=("admin",)),
        # --- cases: 张医生's case, analysis and protocol (himself, 盐湖区's and the city's staff;
        # 陈专家 at his hospital reaches them) ------------------------------------------------------
        "cases:case-create": signed_in(403, ok=("zhang", "liming", "admin")),
        "cases:visit-add": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        "cases:import": signed_in(403, ok=("zhang", "liming", "admin")),
        "cases:herb-queue": signed_in("ok", forbidden=("liming", "wang", "zhao", "chen", "guo")),
        "cases:analysis-create": signed_in("ok", forbidden=("chen", "guo")),
        # Re-running takes no input: those who may read the analysis run it again.
        "cases:analysis-rerun": signed_in(404, forbidden=("chen",), ok=("zhang", "sun", "yang", "admin")),
        "cases:protocol-create": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        "cases:protocol-edit": signed_in(404, forbidden=("chen", "sun", "yang"), ok=("zhang", "admin")),
        "cases:protocol-advance": signed_in(404, forbidden=("chen", "sun", "yang"), invalid=("zhang", "admin")),
        # A new case, a mapping, an analysis: their records come with the body; the role is the gate.
        "api:case_list": signed_in(403, invalid=("zhang", "liming", "admin")),
        "api:case_create": signed_in(403, invalid=("zhang", "liming", "admin")),
        "api:case_visit_add": signed_in(404, forbidden=("chen", "sun", "yang"), invalid=("zhang", "admin")),
        "api:herb_mapping_save": signed_in("invalid", forbidden=("liming", "wang", "zhao", "chen", "guo")),
        "api:case_analysis_create": signed_in("invalid", forbidden=("chen", "guo")),
        "api:protocol_create": signed_in(404, forbidden=("chen", "sun", "yang"), invalid=("zhang", "admin")),
        "api:protocol_advance": signed_in(404, forbidden=("chen", "sun", "yang"), invalid=("zhang", "admin")),
        # --- notifications and certificates -----------------------------------------------------
        # One's own notices.
        "notifications:read-all": signed_in("ok"),
        # The public lookup form (it submits with GET; a POST shows the empty form again).
        "certificates:verify-lookup": outcomes("ok"),
        # 张德润's master certificate, issued by the guiding unit: everyone who sees it but the
        # issuing unit is refused (the host unit revokes only the certificates it issued).
        "certificates:certificate-revoke": signed_in(403, hidden=("liming", "zhou", "guo", "lin"), ok=("admin",)),
        "api:certificate_revoke": signed_in(403, hidden=("liming", "zhou", "guo", "lin"), invalid=("admin",)),
        # --- apprenticeships: 李明's draft in 永济市 (himself, 永济's and the city's staff) ----------
        # Anyone signed in may apply for themselves.
        "apprenticeships:application-create": signed_in("ok"),
        "apprenticeships:application-edit": signed_in(404, forbidden=("zhou", "yang"), ok=("liming", "admin")),
        "apprenticeships:document-add": signed_in(404, forbidden=("zhou", "yang"), ok=("liming", "admin")),
        "apprenticeships:application-submit": signed_in(404, forbidden=("zhou", "yang"), ok=("liming", "admin")),
        # Submitted a row above: a submitted application is not withdrawn.
        "apprenticeships:application-withdraw": signed_in(404, forbidden=("zhou", "yang"), invalid=("liming", "admin")),
        # The programme's units would decide, but see the application only once submitted (in
        # their own walks it is still a draft).
        "apprenticeships:exemption-decide": signed_in(404, forbidden=("liming", "zhou", "yang"), ok=("admin",)),
        "apprenticeships:application-vet": signed_in(404, forbidden=("liming", "zhou", "yang"), invalid=("admin",)),
        "apprenticeships:application-decide": signed_in(404, forbidden=("liming", "zhou", "yang"), ok=("admin",)),
        # The master to propose is named by the input: none is no master (404), also for the admin.
        "apprenticeships:match-propose": signed_in(404, forbidden=("liming", "zhou", "yang")),
        # The applicant's own, and only once a master has declined an approved application.
        "apprenticeships:intention-change": signed_in(404, forbidden=("zhou", "yang"), invalid=("liming", "admin")),
        # The rows of a batch are named by the input: the gate is a reviewer's role.
        "apprenticeships:review-batch": signed_in(403, ok=("wang", "zhao", "admin")),
        "apprenticeships:application-import": signed_in(403, ok=("wang", "admin")),
        # 王小红's match with 薛荣昌 (neither a persona), in 永济市: the master decides and the two
        # parties sign; 李明 (her hospital), 永济's and the city's staff and the programme's units
        # reach it.
        "apprenticeships:match-decide": signed_in(
            404, forbidden=("liming", "wang", "zhao", "zhou", "yang"), ok=("admin",)
        ),
        "apprenticeships:match-sign": signed_in(
            404, forbidden=("liming", "wang", "zhao", "zhou", "yang"), ok=("admin",)
        ),
        # Applying through the API: anyone signed in, for themselves.
        "api:apprentice_application_list": signed_in("invalid"),
        "api:apprentice_application_create": signed_in("invalid"),
        "api:apprentice_document_add": signed_in(404, forbidden=("zhou", "yang"), invalid=("liming", "admin")),
        "api:apprentice_application_submit": signed_in(404, forbidden=("zhou", "yang"), invalid=("liming", "admin")),
        "api:apprentice_application_withdraw": signed_in(404, forbidden=("zhou", "yang"), invalid=("liming", "admin")),
        "api:apprentice_exemption_decide": signed_in(404, forbidden=("liming", "zhou", "yang"), invalid=("admin",)),
        "api:apprentice_application_vet": signed_in(404, forbidden=("liming", "zhou", "yang"), invalid=("admin",)),
        "api:apprentice_application_decide": signed_in(404, forbidden=("liming", "zhou", "yang"), invalid=("admin",)),
        # 王小红's approved application: the programme's units propose.
        "api:apprentice_match_propose": signed_in(
            404, forbidden=("liming", "zhou", "yang"), invalid=("wang", "zhao", "admin")
        ),
        "api:apprentice_match_decide": signed_in(
            404, forbidden=("liming", "wang", "zhao", "zhou", "yang"), invalid=("admin",)
        ),
        # Only the two parties sign, and the superuser is neither.
        "api:apprentice_contract_sign": signed_in(403, hidden=("zhang", "chen", "sun", "guo", "lin")),
        # --- teaching: 张医生 teaches 李明 (both parties, the programme's units, 永济's and the
        # city's staff; 陈专家 at 张医生's hospital reaches it): whoever reaches it but does not
        # do the act (a party's own, or the host unit's) is refused ------------------------------
        # The plan is agreed: nobody may change it any more.
        "teaching:plan": signed_in(403, hidden=("sun", "guo", "lin")),
        "teaching:plan-submit": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhang", "admin")),
        "teaching:plan-decide": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhao", "admin")),
        "teaching:activity-create": signed_in(403, hidden=("sun", "guo", "lin"), ok=("liming", "admin")),
        "teaching:activity-decide": signed_in(403, hidden=("sun", "guo", "lin"), ok=("zhang", "admin")),
        # The activities are named by the input: the gate is teaching an apprentice.
        "teaching:activity-batch": signed_in(403, ok=("zhang", "admin")),
        "teaching:graduation-item-add": signed_in(403, hidden=("sun", "guo", "lin"), ok=("liming", "admin")),
        "teaching:graduation-submit": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("liming", "admin")),
        # Leave to submit before the term's end is the host unit's (赵主任); without a reason, refused.
        "teaching:graduation-early": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhao", "admin")),
        "teaching:graduation-assess": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhang", "admin")),
        "teaching:graduation-issue": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhao", "admin")),
        "teaching:graduation-item-remove": signed_in(403, hidden=("sun", "guo", "lin"), ok=("liming", "admin")),
        "api:teaching_plan_submit": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhang", "admin")),
        "api:teaching_plan_decide": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhao", "admin")),
        # The API's activity list and log share one path.
        "api:teaching_activity_list": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("liming", "admin")),
        "api:teaching_activity_log": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("liming", "admin")),
        "api:teaching_activity_decide": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhang", "admin")),
        "api:teaching_activity_decide_batch": signed_in(403, invalid=("zhang", "admin")),
        "api:teaching_graduation_item_add": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("liming", "admin")),
        "api:teaching_graduation_submit": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("liming", "admin")),
        "api:teaching_graduation_assess": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhang", "admin")),
        "api:teaching_graduation_issue": signed_in(403, hidden=("sun", "guo", "lin"), invalid=("zhao", "admin")),
        # --- evaluations: the city's evaluation of 郭秀兰's technique in 盐湖区 (the city office;
        # 盐湖区's and the township's staff and 陈专家, invited, see it) ----------------------------
        "evaluations:open": signed_in(403, ok=("yang", "admin")),
        "evaluations:assign": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:advance": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:conclude": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:decide": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        # Evidence comes from the office and the experts of the panel.
        "evaluations:efficacy-add": signed_in(404, forbidden=("sun", "lin"), invalid=("chen", "yang", "admin")),
        "evaluations:follow-up-add": signed_in(404, forbidden=("sun", "lin"), invalid=("chen", "yang", "admin")),
        "evaluations:meeting-add": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:promotion-add": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:pricing": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        # 陈专家's invitation: the office withdraws it, he answers it and fills in its sheet.
        "evaluations:assignment-withdraw": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "evaluations:respond": signed_in(404, forbidden=("sun", "yang", "lin"), invalid=("chen", "admin")),
        "evaluations:score": signed_in(404, forbidden=("sun", "yang", "lin"), ok=("chen", "admin")),
        # No invitation has this token; no listing, class or trainee exists in this world.
        "evaluations:invitation": signed_in(404),
        "evaluations:expert-create": signed_in(403, ok=("yang", "admin")),
        # 陈专家's profile: himself and the office; his colleague 张医生 and 盐湖区's staff reach it.
        "evaluations:relationship-add": signed_in(404, forbidden=("zhang", "sun"), invalid=("chen", "yang", "admin")),
        "evaluations:availability": signed_in(404, forbidden=("zhang", "sun"), invalid=("chen", "yang", "admin")),
        "evaluations:training-add": signed_in(404),
        "evaluations:trainee-add": signed_in(404),
        "evaluations:trainee-complete": signed_in(404),
        "evaluations:clinic-add": signed_in(404),
        # The API's expert list and create share one path, as do the evaluations' list and open.
        "api:expert_list": signed_in(403, invalid=("yang", "admin")),
        "api:expert_create": signed_in(403, invalid=("yang", "admin")),
        "api:expert_relationship_declare": signed_in(
            404, forbidden=("zhang", "sun"), invalid=("chen", "yang", "admin")
        ),
        "api:expert_availability_set": signed_in(404, forbidden=("zhang", "sun"), invalid=("chen", "yang", "admin")),
        "api:evaluation_list": signed_in(403, invalid=("yang", "admin")),
        "api:evaluation_open": signed_in(403, invalid=("yang", "admin")),
        # The panel's list and a new assignment share one path.
        "api:evaluation_assignments": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:assignment_create": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:assignment_respond": signed_in(404, forbidden=("sun", "yang", "lin"), invalid=("chen", "admin")),
        "api:assignment_withdraw": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:score_submit": signed_in(404, forbidden=("sun", "yang", "lin"), invalid=("chen", "admin")),
        "api:evaluation_start_scoring": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:evaluation_cancel": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:efficacy_record_add": signed_in(404, forbidden=("sun", "lin"), invalid=("chen", "yang", "admin")),
        "api:follow_up_add": signed_in(404, forbidden=("sun", "lin"), invalid=("chen", "yang", "admin")),
        "api:meeting_add": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:evaluation_conclude": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:evaluation_decide": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:promotion_list": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        "api:training_class_add": signed_in(404),
        "api:trainee_add": signed_in(404),
        "api:trainee_complete": signed_in(404),
        "api:clinic_add": signed_in(404),
        "api:pricing_record": signed_in(404, forbidden=("chen", "sun", "lin"), invalid=("yang", "admin")),
        # --- lineage: people and links entered by 孙科员 for 盐湖区 (issue 15) -------------------------
        # Entering is for office staff; an empty form is shown again with its errors.
        "lineage:person-create": signed_in(403, ok=("sun", "zhou", "yang", "lin", "admin")),
        "lineage:link-create": signed_in(403, ok=("sun", "zhou", "yang", "lin", "admin")),
        # The draft link reaches 盐湖区's and the city's staff; an empty citation names no source.
        "lineage:citation-add": signed_in(404, invalid=("sun", "yang", "admin")),
        # The lists and the creates share their paths; the body is read after the role is checked.
        "api:lineage_people": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:lineage_person_create": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:lineage_link_list": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:lineage_link_create": signed_in(403, invalid=("sun", "zhou", "yang", "lin", "admin")),
        "api:lineage_citation_create": signed_in(404, invalid=("sun", "yang", "admin")),
    }
