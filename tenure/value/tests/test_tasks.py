from django.conf import settings

from tenure.core.models import JobRun
from tenure.value.models import CustomerMetrics
from tenure.value.tasks import nightly


def test_nightly_beat_entry_is_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["value.nightly"]
    assert entry["task"] == "value.nightly"


def test_nightly_job_recomputes_and_is_logged(shop):
    result = nightly.apply().get()
    assert result["customers"] == 6
    assert "clv_skipped" in result  # too little history in the small shop: skipped, not crashed
    assert CustomerMetrics.objects.count() == 6
    run = JobRun.objects.get(name="value.nightly")
    assert run.status == JobRun.Status.OK
