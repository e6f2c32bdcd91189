"""Writes for the knowledge base: standard answers, versioned, in both languages."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenure.accounts import audit
from tenure.accounts.models import AuditEntry, User
from tenure.service import kb
from tenure.service.models import Article, ArticleVersion, Category
from tenure.service.services.tickets import require_writer


def _clean_text(fields: dict) -> dict:
    out = {k: (fields.get(k) or "").strip() for k in ("title_zh", "body_zh", "title_en", "body_en")}
    if not (out["title_zh"] or out["title_en"]):
        raise ValidationError({"title_zh": _("Give the answer a title in at least one language.")})
    if not (out["body_zh"] or out["body_en"]):
        raise ValidationError({"body_zh": _("Write the answer in at least one language.")})
    return out


def _clean_tags(tags) -> str:
    if isinstance(tags, str):
        tags = tags.replace("，", ",").split(",")
    return ", ".join(dict.fromkeys(t.strip() for t in tags or [] if t and t.strip()))[:300]


@transaction.atomic
def article_create(*, actor: User | None, category: str = Category.GENERAL, tags="", **text) -> Article:
    require_writer(actor)
    text = _clean_text(text)
    article = Article(category=category, tags=_clean_tags(tags))
    article.full_clean(exclude=["current"])
    article.save()
    version = ArticleVersion.objects.create(article=article, number=1, author=actor, **text)
    article.current = version
    article.save(update_fields=["current", "updated_at"])
    kb.reindex(article)
    audit.record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=article, summary=version.title()[:200]
    )
    return article


@transaction.atomic
def article_revise(
    *, article: Article, actor: User | None, category: str | None = None, tags=None, **text
) -> Article:
    """A new version becomes current; earlier versions are kept."""
    require_writer(actor)
    text = _clean_text(text)
    article = Article.objects.select_for_update().get(pk=article.pk)
    before = {"category": article.category, "tags": article.tags, "version": article.current.number}
    if category is not None:
        article.category = category
    if tags is not None:
        article.tags = _clean_tags(tags)
    article.full_clean(exclude=["current"])
    number = (article.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ArticleVersion.objects.create(article=article, number=number, author=actor, **text)
    article.current = version
    article.save()
    kb.reindex(article)
    after = {"category": article.category, "tags": article.tags, "version": number}
    audit.record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=article, changes=audit.diff(before, after)
    )
    return article
