"""What the insurance pages and messages show a person: the words of decline reasons, cover
categories and the policy's terms with their units, never the codes behind them."""

import re

import pytest

from insurance.models import DefectClaim

pytestmark = pytest.mark.chinese


@pytest.fixture
def signed_in(client, world):
    def login(username):
        client.force_login(world["users"][username])
        return client

    return login


def test_a_decline_names_its_reasons_in_words_not_codes(world, signed_in):
    project = world["project"]
    wall = DefectClaim.objects.get(project=project, status="filed", description__contains="南墙")
    screen = f"/projects/{project.code}/claims/{wall.pk}/"
    signed_in("tis").post(f"{screen}move/", {"verb": "survey", "note": "裂缝属实"})
    refused = signed_in("insurer").post(f"{screen}move/", {"verb": "decline", "back": screen}, follow=True)
    html = refused.content.decode()
    message = next(m for m in re.findall(r'<p class="error" role="alert">(.*?)</p>', html) if "拒赔" in m)
    # in words, and only the reasons that apply (the claim is in its window: no "after the window")
    assert "请给出拒赔理由：" in message and "使用不当" in message and "不属于质量缺陷" in message
    assert "发现于保险期间届满之后" not in message
    assert "after_window" not in message and "before_window" not in message
    signed_in("insurer").post(
        f"{screen}move/", {"verb": "decline", "reasons": ["misuse", "not_a_defect"], "note": "人为"}
    )
    decided = signed_in("insurer").get(screen).content.decode()
    decision = decided[decided.index('id="cover"') :]
    assert "使用不当" in decision and "不属于质量缺陷" in decision
    assert "misuse" not in decision.split("</section>")[0] and "not_a_defect" not in decision.split("</section>")[0]


def test_an_unknown_decline_reason_is_refused_with_the_words_and_codes_to_use(world, client):
    from insurance import actions
    from plumbline.core.errors import InvalidInput

    project = world["project"]
    wall = DefectClaim.objects.get(project=project, status="filed", description__contains="南墙")
    actions.move_claim(project, claim_id=wall.pk, verb="survey", note="查勘", actor=world["users"]["tis"])
    with pytest.raises(InvalidInput) as refused:
        actions.move_claim(project, claim_id=wall.pk, verb="decline", reasons=["rain"], actor=world["users"]["insurer"])
    assert "rain" in refused.value.detail and "使用不当（misuse）" in refused.value.detail


def test_the_policy_terms_show_category_words_and_their_units(world, signed_in):
    page = signed_in("owner").get(f"/projects/{world['project'].code}/insurance/").content.decode()
    terms = page[page.index('id="policy-terms"') :].split("</div>")[0]
    assert "等待期 2 年" in terms and " 元" in terms and "地基基础和主体结构 10 年" in terms
    assert "structure 10" not in terms and "envelope" not in terms
