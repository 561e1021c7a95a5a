"""Segment fingerprints no longer hold the pipeline's code (a corrected code
would have reset every review of the pipeline): recompute them from the
stored segments, and move the review history along."""

import hashlib
import json

from django.db import migrations


def _fingerprint(segment) -> str:
    # As hca.services.fingerprint, from the stored fields (frozen here).
    data = [
        segment.rule_set,
        round(segment.start_m, 1),
        round(segment.end_m, 1),
        segment.grade,
        list(segment.rules),
        sorted({(r["rule"], r["layer"], r["feature_id"]) for r in segment.reasons}),
    ]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def recompute(apps, schema_editor):
    HcaSegment = apps.get_model("hca", "HcaSegment")
    HcaReview = apps.get_model("hca", "HcaReview")
    for segment in HcaSegment.objects.only("pk", "pipeline_id", "rule_set", "start_m", "end_m", "grade", "rules", "reasons", "fingerprint").iterator():
        new = _fingerprint(segment)
        if new != segment.fingerprint:
            HcaReview.objects.filter(pipeline_id=segment.pipeline_id, fingerprint=segment.fingerprint).update(
                fingerprint=new
            )
            HcaSegment.objects.filter(pk=segment.pk).update(fingerprint=new)


class Migration(migrations.Migration):
    dependencies = [("hca", "0004_review_labels")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
