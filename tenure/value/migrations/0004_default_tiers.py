"""The four default tiers of the customer pyramid (profitability tiers; docs/value.md, "Tiers").

platinum: top 5% by lifetime margin among profitable buyers; gold: top 20% of them (so the next 15%);
iron: every other profitable buyer; lead: everyone else (no purchase yet, or not profitable).
"""

from django.db import migrations

BUYER = [{"metric": "order_count", "op": ">", "value": 0}, {"metric": "margin", "op": ">", "value": 0}]

DEFAULTS = [
    {
        "code": "platinum",
        "name_en": "Platinum",
        "name_zh": "铂金",
        "position": 1,
        "rule": "top_percent",
        "percent": 5,
        "percent_metric": "margin",
        "conditions": BUYER,
        "description_en": "Among the 5% of profitable customers who have brought the most margin over the whole relationship.",
        "description_zh": "在全部盈利客户中，终身累计毛利位列前 5%。",
    },
    {
        "code": "gold",
        "name_en": "Gold",
        "name_zh": "黄金",
        "position": 2,
        "rule": "top_percent",
        "percent": 20,
        "percent_metric": "margin",
        "conditions": BUYER,
        "description_en": "Among the top 20% of profitable customers by lifetime margin (those not already platinum).",
        "description_zh": "在全部盈利客户中，终身累计毛利位列前 20%（铂金客户除外）。",
    },
    {
        "code": "iron",
        "name_en": "Iron",
        "name_zh": "钢铁",
        "position": 3,
        "rule": "conditions",
        "percent": None,
        "percent_metric": "",
        "conditions": BUYER,
        "description_en": "Has bought from us, and the purchases so far have brought a positive margin.",
        "description_zh": "有过购买，且迄今的购买带来正的毛利。",
    },
    {
        "code": "lead",
        "name_en": "Lead",
        "name_zh": "铅",
        "position": 4,
        "rule": "everyone",
        "percent": None,
        "percent_metric": "",
        "conditions": [],
        "description_en": "Everyone else: no purchase yet, or purchases that have not yet covered their cost.",
        "description_zh": "其他所有客户：尚未购买，或迄今的购买尚未覆盖成本。",
    },
]


def create(apps, schema_editor):
    TierDefinition = apps.get_model("value", "TierDefinition")
    for row in DEFAULTS:
        TierDefinition.objects.get_or_create(code=row["code"], defaults=row)


def remove(apps, schema_editor):
    TierDefinition = apps.get_model("value", "TierDefinition")
    TierDefinition.objects.filter(code__in=[row["code"] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("value", "0003_tiers")]
    operations = [migrations.RunPython(create, remove)]
