import pytest
from django.core.exceptions import ValidationError

from tenure.service.kb import query_terms, suggestions, text_tokens
from tenure.service.models import Article
from tenure.service.services import article_create, article_revise, ticket_reply
from tenure.service.tests.conftest import MONDAY_9


@pytest.fixture
def refund(agent):
    return article_create(
        actor=agent,
        category="billing",
        tags="退款, refund",
        title_zh="退款政策",
        body_zh="收到商品七天内可无理由退货退款。",
        title_en="Refund policy",
        body_en="Returns within seven days, no questions asked.",
    )


@pytest.fixture
def delivery(agent):
    return article_create(actor=agent, category="delivery", title_zh="配送时间", body_zh="一般三天内送达。")


def names(qs):
    return sorted(a.current.title_zh for a in qs)


def test_chinese_search_by_bigram_single_character_and_phrase(refund, delivery):
    assert names(Article.objects.search("退款")) == ["退款政策"]
    assert names(Article.objects.search("无理由退货")) == ["退款政策"]
    assert names(Article.objects.search("送达")) == ["配送时间"]
    assert names(Article.objects.search("天")) == ["退款政策", "配送时间"]
    assert names(Article.objects.search("退款 配送")) == []
    assert names(Article.objects.search("")) == []


def test_english_search_by_word_prefix(refund, delivery):
    assert names(Article.objects.search("refu")) == ["退款政策"]
    assert names(Article.objects.search("SEVEN days")) == ["退款政策"]


def test_tokens_are_bigrams_for_chinese():
    assert text_tokens("退款政策") == {"退款", "款政", "政策"}
    assert query_terms("退 Refund") == ["退", "refund"]


def test_revising_keeps_versions_and_reindexes(refund, agent):
    article_revise(article=refund, actor=agent, title_zh="退换货政策", body_zh="十五天内可退换。")
    refund.refresh_from_db()
    assert refund.current.number == 2
    assert refund.versions.count() == 2
    assert names(Article.objects.search("十五天")) == ["退换货政策"]
    assert names(Article.objects.search("无理由")) == []


def test_an_answer_needs_text(agent):
    with pytest.raises(ValidationError):
        article_create(actor=agent, title_zh="", body_zh="x")


def test_suggestions_for_a_ticket_and_usage_count(refund, delivery, ticket, agent):
    ticket.subject = "我要退款"
    ticket.description = ""
    assert [a.pk for a in suggestions(ticket)][:1] == [refund.pk]
    ticket_reply(ticket=ticket, actor=agent, body="七天内可退款", public=True, article=refund, now=MONDAY_9)
    refund.refresh_from_db()
    assert refund.usage_count == 1
