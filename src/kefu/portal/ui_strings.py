"""Strings of the shared templates in src/kefu/templates (base layout, pager, 403, 404).

That folder belongs to no app, so `makemessages` run inside portal/ would not see them; listing them
here puts them in the portal catalog. tests/portal/test_i18n.py fails if a template string is missing.
"""

from django.utils.translation import gettext_noop

BASE_TEMPLATE_STRINGS = [
    gettext_noop("Skip to content"),
    gettext_noop("Agent workbench"),
    gettext_noop("Main navigation"),
    gettext_noop("My orders"),
    gettext_noop("Customer search"),
    gettext_noop("My after-sales"),
    gettext_noop("My complaints"),
    gettext_noop("Notices"),
    gettext_noop("Live chat"),
    gettext_noop("Chat console"),
    gettext_noop("After-sales cases"),
    gettext_noop("Warehouse desk"),
    gettext_noop("100-minute compliance"),
    gettext_noop("Sign out"),
    gettext_noop("Language"),
    gettext_noop("Open-source customer service for e-commerce"),
    gettext_noop("All times are Beijing time (UTC+8)."),
    gettext_noop("This page could not be found"),
    gettext_noop("This page does not exist, or it is not yours to see."),
    gettext_noop("Back to the start"),
    gettext_noop("Pages"),
    gettext_noop("Previous"),
    gettext_noop("Next"),
    gettext_noop("Page %(n)s of %(total)s"),
    gettext_noop("Tickets"),
    gettext_noop("Handover"),
    gettext_noop("Ticket report"),
    gettext_noop("Workforce plan"),
    gettext_noop("Wallboard"),
    gettext_noop("No access"),
    gettext_noop(
        "Your account is not allowed to open this page. If you need it for your work, ask your supervisor."
    ),
]
