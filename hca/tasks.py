"""Thin Celery tasks: take ids, call hca.services, idempotent."""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def hca_identify_task(*, pipeline_ids=None, rule_set="gb32167", trigger="manual", user_id=None):
    from hca.services import hca_identify_by_ids

    run = hca_identify_by_ids(pipeline_ids=pipeline_ids, rule_set=rule_set, trigger=trigger, user_id=user_id)
    return run.pk


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def hca_reidentify_due_task():
    from hca.services import hca_reidentify_due

    run = hca_reidentify_due()
    return run.pk if run else None
