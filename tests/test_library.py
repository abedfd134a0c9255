def test_it_lists_the_three_documents_with_their_metadata(client, documents):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    for document in documents.values():
        assert f'href="/documents/{document.slug}/"' in html
    assert "Stalin&#x27;s &#x27;Hot&#x27; War" in html
    assert "Paul Lashmar" in html
    assert "New Statesman &amp; Society" in html
    assert "Feburary 2, 1996" in html  # the date exactly as the source gives it
    assert "Andrei Lankov" in html
    assert "Korea Times" in html


def test_it_lists_documents_in_library_order(client, documents):
    html = client.get("/").content.decode()

    positions = [html.index(f"/documents/{slug}/") for slug in documents]
    ordered = sorted(documents.values(), key=lambda d: d.position)
    assert [html.index(f"/documents/{d.slug}/") for d in ordered] == sorted(positions)


def test_it_says_when_nothing_is_loaded(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "No articles are loaded yet" in response.content.decode()


def test_it_rejects_post(client, documents):
    assert client.post("/").status_code == 405


def test_it_has_landmarks_and_a_skip_link(client, documents):
    html = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav aria-label="Main">' in html
    assert "<footer" in html
