import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded files go to a directory of the test's own, never the checkout's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
