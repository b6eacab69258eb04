"""The nginx site of deploy/ (issue 13 §19): the production file passes `nginx -t`, and the same
locations, with test paths, serve a page, a static file and a permission-checked file through
X-Accel-Redirect in front of a live Django server, while the internal location and /media/ stay
unreachable from outside.

No root needed: nginx runs in the foreground from a temporary prefix (pid, logs and temporary
files there, no `user` directive, a free high port, plain HTTP). nginx comes from
`make system-packages`."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from apprenticeships.models import Document
from apprenticeships.tests.factories import PDF, a_master, draft_for
from lib import files

PROJECT = Path(__file__).resolve().parents[2]
SITE = PROJECT / "deploy" / "nginx" / "chuancheng.conf"
LOCATIONS = PROJECT / "deploy" / "nginx" / "chuancheng-locations.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _main_conf(prefix: Path, server: str, upstream: str) -> str:
    """An nginx.conf that needs no root: everything it writes is under `prefix`."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp}
    {upstream}
    {server}
}}
"""


def _nginx(prefix: Path, *args: str, **kwargs):
    return [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf"), *args]


@pytest.fixture
def prefix():
    # Not pytest's tmp_path: as root, nginx's workers run as nobody and must read the files, and
    # pytest's base directory is private to its user.
    assert os.path.exists(NGINX), f"{NGINX} is not installed (make system-packages)"
    path = Path(tempfile.mkdtemp(prefix="chuancheng-nginx-"))
    path.chmod(0o755)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (path / "tmp" / kind).mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _locations(media: Path, static: Path) -> str:
    text = LOCATIONS.read_text()
    # The production paths appear once each; a change in the file that moves them fails here.
    for production, test in (("/srv/chuancheng/staticfiles/", f"{static}/"), ("/srv/chuancheng/media/", f"{media}/")):
        assert text.count(production) == 1, production
        text = text.replace(production, test)
    return text


def _get(url: str, cookie: str = ""):
    """(status, headers as an email.message.Message, body), redirects not followed."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("nginx did not start listening")


@pytest.fixture
def nginx_site(prefix, live_server, settings):
    """nginx on a free port in front of the live server, with the site's locations."""
    media, static = prefix / "media", prefix / "static"
    media.mkdir()
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: #333 }\n")
    settings.MEDIA_ROOT = media
    settings.STATIC_ROOT = static
    settings.FILES_X_ACCEL_PREFIX = "/protected-media/"
    (prefix / "locations.conf").write_text(_locations(media, static))
    app = urlsplit(live_server.url)
    port = _free_port()
    (prefix / "nginx.conf").write_text(
        _main_conf(
            prefix,
            server=f"server {{ listen 127.0.0.1:{port}; server_name localhost; include {prefix / 'locations.conf'}; }}",
            upstream=f"upstream chuancheng_app {{ server 127.0.0.1:{app.port}; keepalive 4; }}",
        )
    )
    checked = subprocess.run(_nginx(prefix, "-t"), capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(_nginx(prefix), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_nginx_serves_pages_static_files_and_a_permitted_file_through_its_internal_location(
    live_world, nginx_site, live_server
):
    application = draft_for(live_world, [a_master(live_world)])
    document = application.documents.get(kind=Document.RESUME)
    url = reverse("apprenticeships:document-download", args=[document.pk])
    cookie = _session_cookie(live_world.liming)

    status, _headers, body = _get(nginx_site + "/")
    assert status == 200
    assert "传承".encode() in body

    status, headers, body = _get(nginx_site + "/static/css/site.css")
    assert status == 200
    assert body == b"body { color: #333 }\n"

    # Django says yes and names the file; it sends no bytes itself.
    status, headers, body = _get(live_server.url + url, cookie)
    assert status == 200
    assert headers["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert body == b""

    # Through nginx the bytes come from the internal location, with the view's headers.
    status, headers, body = _get(nginx_site + url, cookie)
    assert status == 200
    assert body == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == files.CSP_PDF
    assert headers["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert "no-store" in headers["Cache-Control"]
    for name in (
        "Content-Type",
        "Content-Security-Policy",
        "Content-Disposition",
        "X-Content-Type-Options",
        "Cache-Control",
        "Cross-Origin-Resource-Policy",
    ):
        assert len(headers.get_all(name)) == 1, name


def test_the_internal_location_and_media_are_unreachable_from_outside(live_world, nginx_site):
    application = draft_for(live_world, [a_master(live_world)])
    document = application.documents.get(kind=Document.RESUME)
    cookie = _session_cookie(live_world.liming)

    for path in (f"/protected-media/{document.file.name}", f"/media/{document.file.name}"):
        status, _headers, body = _get(nginx_site + path, cookie)
        assert status == 404, path
        assert PDF not in body


def test_nginx_sends_no_file_to_someone_the_view_refuses(live_world, nginx_site):
    application = draft_for(live_world, [a_master(live_world)])
    document = application.documents.get(kind=Document.RESUME)
    url = reverse("apprenticeships:document-download", args=[document.pk])

    status, headers, body = _get(nginx_site + url)
    assert status == 302 and "/accounts/login/" in headers["Location"]
    status, headers, body = _get(nginx_site + url, _session_cookie(live_world.guo))
    assert status in (403, 404)
    assert PDF not in body and "X-Accel-Redirect" not in headers


def test_the_upload_limit_of_nginx_is_the_largest_upload_the_platform_takes():
    limit = re.search(r"^client_max_body_size (\d+)m;", LOCATIONS.read_text(), re.M)
    largest = max(files.LIMITS.values()) // files.MB
    # Room for the multipart envelope, and no more.
    assert int(limit.group(1)) == largest + 1


def test_the_production_site_passes_nginx_t(prefix):
    """The TLS site as installed, with a throw-away certificate and the ports and log paths moved
    where no root is needed; nginx -t reads the certificate and every included file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chuancheng.example.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (prefix / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (prefix / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (prefix / "logs").mkdir()

    site = SITE.read_text()
    replacements = {
        "/etc/ssl/chuancheng/": f"{prefix}/",
        "/var/log/chuancheng/": f"{prefix}/logs/",
        "/srv/chuancheng/app/deploy/nginx/chuancheng-locations.conf": str(LOCATIONS),
        "listen 80;": f"listen 127.0.0.1:{_free_port()};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{_free_port()} ssl http2;",
        "listen [::]:443 ssl http2;": "",
    }
    for production, test in replacements.items():
        assert production in site, production
        site = site.replace(production, test)
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(_main_conf(prefix, server=f"include {prefix / 'site.conf'};", upstream=""))

    checked = subprocess.run(_nginx(prefix, "-t"), capture_output=True, text=True, timeout=30)

    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
