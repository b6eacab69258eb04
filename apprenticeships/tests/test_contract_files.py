"""The files a signing step writes live and die with it: a signature that fails leaves no scan and
no contract PDF behind, and the contract the match names is still on disk (issue 13 §1)."""

from pathlib import Path

import pytest

from apprenticeships import services
from apprenticeships.models import Apprenticeship, ContractSignature
from apprenticeships.tests.factories import approved_for, live_match, pdf, zhang_master
from lib.errors import ApplicationError
from masters.models import Master, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _stored(media: Path) -> set[Path]:
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def test_a_scanned_signature_that_fails_leaves_no_file_and_the_contract_still_opens(world, media):
    zhang = zhang_master(world)
    match = live_match(approved_for(world, [zhang]))
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    services.apprentice_contract_sign(match=match, actor=world.liming)
    match.refresh_from_db()
    before = _stored(media)
    assert match.contract and Path(match.contract.path) in before
    # The master's tier was raised meanwhile: 李明 (主治医师) no longer qualifies, so concluding
    # the contract is refused after the scan and the new PDF were written.
    Master.objects.filter(pk=zhang.pk).update(tier=Tier.GUOYI_DASHI)
    with pytest.raises(ApplicationError, match="APP-2.1"):
        services.apprentice_contract_sign(match=match, actor=world.zhang, scan=pdf("签字页.pdf"))
    assert _stored(media) == before
    match.refresh_from_db()
    assert Path(match.contract.path).exists()
    assert not ContractSignature.objects.filter(match=match, signer=world.zhang).exists()
    assert not Apprenticeship.objects.exists()
