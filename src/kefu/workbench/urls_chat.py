"""Routes filled by the contact-centre pages."""

urlpatterns: list = []
