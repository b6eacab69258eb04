"""Browsers ask every site for /favicon.ico (issue 12 §11): it is the platform's icon, not a 404."""


def test_favicon_ico_is_served_to_everyone(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_every_page_links_the_icon(client, db):
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/").content.decode()
