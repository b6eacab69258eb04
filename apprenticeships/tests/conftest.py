import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded documents, scans and contracts go to a directory that disappears with the test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
