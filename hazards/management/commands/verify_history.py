"""manage.py verify_history: check the hazard history's hash chain (hazards/chain.py).

Exits 0 with the number of rows checked when the chain is intact; otherwise
names the first broken row (id, hazard code, what differs) and exits 1.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hazards.chain import history_verify


class Command(BaseCommand):
    help = "Check that the hazard history is intact (its hash chain); name the first broken row."

    def handle(self, *args, **options):
        count, broken = history_verify()
        if broken is not None:
            raise CommandError(
                _("Hazard history broken at row %(id)s (hazard %(code)s), after %(count)s intact rows: %(problem)s")
                % {"id": broken.id, "code": broken.hazard_code, "count": count, "problem": broken.problem},
                returncode=1,
            )
        self.stdout.write(_("Hazard history intact: %(count)s rows chained.") % {"count": count})
