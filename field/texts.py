"""The words the field page's script shows, translated on the server and sent with the page."""

from django.utils.translation import gettext_lazy

TEXT = {
    "online": gettext_lazy("Phone online"),
    "offline": gettext_lazy("Phone offline"),
    "queued": gettext_lazy("fixes waiting to send"),
    "recorded": gettext_lazy("fixes recorded"),
    "sent": gettext_lazy("fixes sent"),
    "noPosition": gettext_lazy("No position yet: allow location for this page and wait a moment."),
    "positionDenied": gettext_lazy("Location is not allowed for this page: allow it in the browser settings."),
    "needNetworkStart": gettext_lazy("Starting a patrol needs the network: try again when online."),
    "needNetworkEnd": gettext_lazy("Offline: the fixes are kept on the phone. Tap End patrol again when online."),
    "needNetworkReport": gettext_lazy(
        "Reporting a hazard needs the network: try again when online (what you typed stays here)."
    ),
    "pickSection": gettext_lazy("Choose a section first."),
    "patrolling": gettext_lazy("Patrolling"),
    "nextCheckpoint": gettext_lazy("Next checkpoint"),
    "allVisited": gettext_lazy("All checkpoints passed."),
    "about": gettext_lazy("about (distance)"),
    "metres": gettext_lazy("metres (unit)"),
    "taskToday": gettext_lazy("task today"),
    "coverage": gettext_lazy("Coverage"),
    "arrival": gettext_lazy("Arrival"),
    "missed": gettext_lazy("Missed checkpoints"),
    "uncovered": gettext_lazy("Uncovered ranges"),
    "none": gettext_lazy("none found"),
    "fixes": gettext_lazy("Fixes of this patrol"),
    "fixesUnit": gettext_lazy("fixes (unit)"),
    "taskStatus": gettext_lazy("Today's task"),
    "gaps": gettext_lazy("Gaps"),
    "overspeed": gettext_lazy("Overspeed legs"),
    "position": gettext_lazy("Your position"),
    "accuracy": gettext_lazy("position accuracy"),
    "describe": gettext_lazy("Describe what you found."),
    "sending": gettext_lazy("Sending…"),
    "offlineSaved": gettext_lazy("Offline: fixes are kept on the phone and sent when the network is back."),
    "refused": gettext_lazy("The server refused some fixes"),
    "login": gettext_lazy("Your session has ended: log in again (the queued fixes are kept)."),
    "confirmLogout": gettext_lazy("Fixes are still waiting to be sent. Log out anyway?"),
    "failed": gettext_lazy("The server did not answer; try again."),
}
