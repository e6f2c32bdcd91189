import pytest

from tenure.customers.models import Customer
from tenure.customers.search import query_terms
from tenure.customers.services import contact_add, customer_create


@pytest.fixture
def people(agent):
    return {
        "zw": customer_create(actor=agent, name="张伟", mobile="13812345678", email="zw@example.com"),
        "zwm": customer_create(
            actor=agent, name="张伟明", mobile="+86 139 0000 1111", external_id="VIP-0042"
        ),
        "ll": customer_create(actor=agent, name="李丽", phone="010-6552 9988"),
        "js": customer_create(actor=agent, name="John Smith", alt_name="史密斯", email="John.Smith@Acme.com"),
        "co": customer_create(actor=agent, name="华为技术有限公司", kind=Customer.Kind.COMPANY),
    }


def found(agent, text):
    return set(Customer.objects.visible_to(agent).search(text).values_list("name", flat=True))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("张伟", {"张伟", "张伟明"}),
        ("伟明", {"张伟明"}),
        ("zhangwei", {"张伟", "张伟明"}),
        ("ZhangWeiMing", {"张伟明"}),
        ("zw", {"张伟", "张伟明"}),
        ("zwm", {"张伟明"}),
        ("weiming", {"张伟明"}),
        ("john", {"John Smith"}),
        ("SMITH", {"John Smith"}),
        ("john smi", {"John Smith"}),
        ("史密斯", {"John Smith"}),
        ("shimisi", {"John Smith"}),
        ("john.smith@acme", {"John Smith"}),
        ("acme.com", {"John Smith"}),
        ("vip-0042", {"张伟明"}),
        ("华为", {"华为技术有限公司"}),
        ("技术", {"华为技术有限公司"}),
        ("huawei", {"华为技术有限公司"}),
    ],
)
def test_search_finds_by_name_pinyin_initials_email_and_id(people, agent, text, expected):
    assert found(agent, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "008613812345678",
        "5678",
        "１３８１２３４５６７８",
    ],
)
def test_phone_in_any_format_or_partial(people, agent, text):
    assert "张伟" in found(agent, text)


def test_landline_with_area_code(people, agent):
    assert found(agent, "010 65529988") == {"李丽"}
    assert found(agent, "65529988") == {"李丽"}


def test_contact_person_finds_the_company(people, agent):
    contact_add(customer=people["co"], actor=agent, name="王芳", mobile="13700001234")
    assert found(agent, "wangfang") == {"华为技术有限公司"}
    assert found(agent, "13700001234") == {"华为技术有限公司"}


def test_renaming_updates_the_index(people, agent):
    from tenure.customers.services import customer_update

    customer_update(customer=people["ll"], actor=agent, name="李娜")
    assert found(agent, "lili") == set()
    assert found(agent, "lina") == {"李娜"}


def test_empty_and_one_letter_queries_match_nothing(people, agent):
    assert found(agent, "") == set()
    assert found(agent, "z") == set()
    assert query_terms("  ") == []


def test_search_respects_visibility(people, outsider):
    assert found(outsider, "张伟") == set()


@pytest.mark.parametrize(
    "name,query", [("曾小贤", "zengxiaoxian"), ("曾小贤", "cengxiaoxian"), ("单田芳", "shantianfang")]
)
def test_surnames_with_several_readings_are_found_by_each(agent, name, query):
    customer_create(actor=agent, name=name)
    assert found(agent, query) == {name}


def test_broad_and_narrow_terms_combine(agent, monkeypatch):
    """Terms above the narrow limit stay subqueries; the result is the same either way."""
    from tenure.customers import search

    for i in range(5):
        customer_create(actor=agent, name=f"张{'伟芳娜敏静'[i]}", mobile=f"1380000000{i}")
    expected = {"张伟"}
    assert found(agent, "张 13800000000") == expected
    monkeypatch.setattr(search, "NARROW_TERM", 2)  # "张" now counts as broad
    assert found(agent, "张 13800000000") == expected
    assert len(found(agent, "张")) == 5


def test_a_broad_digit_term_matches_number_starts_and_tails(agent, monkeypatch):
    """A broad run of digits matches the start of a number or its end (one probe per prefix)."""
    from tenure.customers import search

    customer_create(actor=agent, name="Start", mobile="13812345678")  # starts with 138
    customer_create(actor=agent, name="Tail", mobile="15900000138")  # ends with 138
    customer_create(actor=agent, name="Neither", mobile="15900001234")
    monkeypatch.setattr(search, "NARROW_TERM", 0)  # every term counts as broad
    assert found(agent, "138") == {"Start", "Tail"}
    assert found(agent, "5678") == {"Start"}


@pytest.mark.parametrize("text", ["张伟", "zw", "john smi", "5678", "华为", "acme.com", "vip-0042", "z"])
def test_the_list_count_reads_the_same_customers_through_the_index(people, agent, outsider, text):
    """The list's capped count reads matches through the index (selectors.customer_list with
    all_matches=True), the page through search_filter: both give the same customers, visibility kept."""
    from tenure.customers.selectors import customer_list

    listed = set(customer_list(agent, q=text).values_list("name", flat=True))
    counted = set(customer_list(agent, q=text, all_matches=True).values_list("name", flat=True))
    assert counted == listed == found(agent, text)
    assert (text == "z") == (not counted)
    assert not customer_list(outsider, q=text, all_matches=True).exists()


def test_the_list_page_shows_the_count_of_matches(people, agent, client):
    client.force_login(agent)
    response = client.get("/customers/", {"q": "zw"})
    assert response.status_code == 200
    assert response.context["total"] == 2


def test_the_list_count_stops_at_the_cap_and_says_more_than(people, agent, client, monkeypatch):
    from tenure.customers import views

    monkeypatch.setattr(views, "COUNT_CAP", 1)
    client.force_login(agent)
    response = client.get("/customers/", {"q": "zw"})
    assert response.context["total"] == 2 and response.context["total_capped"]
    assert "more than 1" in response.content.decode()
