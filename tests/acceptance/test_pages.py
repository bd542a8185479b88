"""The tablet pages: the tree with each node's status, a lot's page with its elements highlighted,
the record form for the contractor, the sign buttons for who may sign next, and the lots on an
element's card."""

from acceptance.models import AcceptanceNode, AcceptanceSignature


def lot(world, code):
    return AcceptanceNode.objects.get(building__project=world["project"], building__name="1#", code=code)


def test_the_tree_page_shows_every_node_with_its_status(world, client, users):
    client.force_login(users["owner"])
    html = client.get(f"/projects/{world['project'].code}/acceptance/").content.decode()
    assert 'data-level="division" data-status="accepted"' in html
    assert "020102-002" in html and 'data-status="inspected"' in html
    assert "地基与基础" in html and "主体结构" in html


def test_the_lot_page_highlights_the_lots_elements_and_offers_the_supervisor_his_signature(
    world, client, users, demo_rebar_settled
):
    waiting = lot(world, "020102-002")
    client.force_login(users["inspector"])
    html = client.get(f"/projects/{world['project'].code}/acceptance/lots/{waiting.pk}/").content.decode()
    first = waiting.elements.first().global_id
    assert f'#lot-plan [data-global-id="{first}"]' in html and f'data-global-id="{first}"' in html
    assert 'data-capacity="supervising_engineer">' in html  # his sign button, not greyed out
    assert 'id="sign-refused"' not in html
    assert 'id="lot-inspection"' not in html  # the record is the contractor's
    response = client.post(
        f"/projects/{world['project'].code}/acceptance/{waiting.pk}/sign/",
        {
            "capacity": "supervising_engineer",
            "back": f"/projects/{world['project'].code}/acceptance/lots/{waiting.pk}/",
        },
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "accepted"


def test_a_refused_signature_comes_back_with_its_reasons(world, client, users):
    pending = lot(world, "020103-002")  # concrete on 2F: its rebar is not accepted yet
    client.force_login(users["quality_inspector"])
    page = f"/projects/{world['project'].code}/acceptance/lots/{pending.pk}/"
    response = client.post(
        f"/projects/{world['project'].code}/acceptance/{pending.pk}/sign/", {"back": page}, follow=True
    )
    html = response.content.decode()
    assert "该检验批还没有检查记录。" in html and "而它尚未验收" in html  # pages speak Chinese by default
    assert not AcceptanceSignature.objects.filter(node=pending).exists()


def test_the_contractor_gets_the_record_form_with_the_lots_sample_of_points(world, client, users):
    open_lot = lot(world, "020103-001")
    client.force_login(users["quality_inspector"])
    html = client.get(f"/projects/{world['project'].code}/acceptance/lots/{open_lot.pk}/").content.decode()
    assert 'id="lot-inspection"' in html and 'id="sample-size">2<' in html
    assert html.count('class="point"') == 2 * html.count('data-measured="1"') > 0


def test_the_element_card_lists_the_lots_of_the_element(world, client, users):
    rebar = lot(world, "020102-001")
    element = rebar.elements.first()
    client.force_login(users["inspector"])
    html = client.get(
        f"/projects/{world['project'].code}/plan/{rebar.version_id}/element/{element.global_id}/"
    ).content.decode()
    assert 'class="lot-of-element"' in html and "020102-001" in html and "020103-001" in html


def test_the_home_page_links_the_acceptance_tree_for_who_may_read_it(world, client, users):
    client.force_login(users["owner"])
    assert f"/projects/{world['project'].code}/acceptance/" in client.get("/").content.decode()
    client.force_login(world["users"]["home_owner"])
    assert f"/projects/{world['project'].code}/acceptance/" not in client.get("/").content.decode()


def test_the_tree_offers_each_signer_the_levels_waiting_for_them(world, client, users):
    client.force_login(users["technical_lead"])
    html = client.get(f"/projects/{world['project'].code}/acceptance/").content.decode()
    # the rebar sub-item waits for the technical lead's signature, but one of its lots is open:
    # his button is there, greyed out, with the reason the signature would be refused beside it
    rebar = AcceptanceNode.objects.get(building__name="1#", level="sub_item", code="020102")
    row = html[html.index(f'data-node="{rebar.pk}"') :]
    row = row[: row.index("</li>")]
    assert f'action="/projects/{world["project"].code}/acceptance/{rebar.pk}/sign/"' in row
    assert f'disabled aria-describedby="refused-{rebar.pk}"' in row
    assert "尚不能签字： 检验批 020102-002 钢筋 2F 尚未验收。" in row


def test_a_refused_signature_is_said_once(world, client, users):
    client.force_login(users["technical_lead"])
    code = world["project"].code
    rebar = AcceptanceNode.objects.get(building__name="1#", level="sub_item", code="020102")
    response = client.post(
        f"/projects/{code}/acceptance/{rebar.pk}/sign/",
        {"capacity": "contractor_technical_lead", "back": f"/projects/{code}/acceptance/"},
        follow=True,
    )
    html = response.content.decode()
    said = [p for p in html.split("<p ")[1:] if 'role="status"' in p.split(">")[0]]
    assert len(said) == 1 and "不能签字：检验批 020102-002 钢筋 2F 尚未验收。" in said[0], said
    assert not AcceptanceSignature.objects.filter(node=rebar).exists()


def test_a_lot_not_ready_greys_out_its_sign_button_with_the_reasons(world, client, users):
    pending = lot(world, "020103-002")  # concrete on 2F: no record yet, its rebar not accepted
    client.force_login(users["quality_inspector"])
    html = client.get(f"/projects/{world['project'].code}/acceptance/lots/{pending.pk}/").content.decode()
    signatures = html[html.index('id="signatures"') : html.index("</section>", html.index('id="signatures"'))]
    assert 'class="sign"' in signatures and 'disabled aria-describedby="sign-refused"' in signatures
    assert "该检验批还没有检查记录。" in signatures and "而它尚未验收" in signatures
