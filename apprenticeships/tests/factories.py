"""Applications for tests, made through the real services."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Region
from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Document, Match, Term
from masters.models import Master, Tier, Title
from masters.tests.factories import applicant, certified

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def a_master(world, name: str = "张德润", **fields) -> Master:
    """A certified master of the given tier (知名专家 by default) at 运城市中医医院."""
    fields.setdefault("tier", Tier.ZHIMING_TRADITIONAL)
    return certified(world, applicant(world, name), **fields)


def zhang_master(world, **fields) -> Master:
    """张医生 himself, certified — the master persona of the tests."""
    return certified(world, world.zhang, **fields)


def draft_for(world, masters, user=None, *, documents: bool = True, **fields) -> ApprenticeApplication:
    user = user or world.liming
    values = dict(
        organization=world.yongji_tcm,
        region=Region.objects.get(code="140881"),
        title=Title.ATTENDING,
        specialty="针灸治疗中风后遗症",
        intention="学习醒脑开窍针法",
        term=Term.ONE_YEAR,
    )
    values.update(fields)
    application = services.apprentice_application_create(actor=user, masters=masters, **values)
    if documents:
        for kind in (Document.RESUME, Document.DEGREE, Document.QUALIFICATION, Document.TITLE):
            services.apprentice_document_add(
                application=application, actor=user, kind=kind, upload=pdf(f"{Document(kind).label}.pdf")
            )
    return application


def submitted_for(world, masters, user=None, **fields) -> ApprenticeApplication:
    application = draft_for(world, masters, user, **fields)
    services.apprentice_application_submit(application=application, actor=application.applicant)
    return application


def all_accepted(application) -> dict:
    return {d.pk: ("accepted", "") for d in services.current_documents(application)}


def vetted_for(world, masters, user=None, **fields) -> ApprenticeApplication:
    application = submitted_for(world, masters, user, **fields)
    services.apprentice_application_vet(application=application, actor=world.wang, verdicts=all_accepted(application))
    return application


def approved_for(world, masters, user=None, **fields) -> ApprenticeApplication:
    """Approved by the host unit; approval proposes it to the first intended master with room."""
    application = vetted_for(world, masters, user, **fields)
    services.apprentice_application_approve(application=application, actor=world.zhao, to="approved", reason="同意")
    return application


def live_match(application) -> Match:
    return application.matches.exclude(status__in=["declined", "cancelled"]).get()


def signed_for(world, masters=None, user=None, **fields):
    """The whole way: approved, accepted by the first master, signed by both. Returns the match,
    whose `apprenticeship` now exists (张医生 teaching 李明 by default)."""
    masters = masters or [zhang_master(world)]
    application = approved_for(world, masters, user, **fields)
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=match.master.user, accept=True)
    services.apprentice_contract_sign(match=match, actor=application.applicant)
    services.apprentice_contract_sign(match=match, actor=match.master.user)
    return match
