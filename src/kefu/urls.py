from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workbench/", include("kefu.workbench.urls")),
    path("", include("kefu.portal.urls")),
]
# Uploaded media (evidence photos) are private: the portal and the workbench serve each file after checking
# who asks, so MEDIA_ROOT is never exposed as static files, not even with KEFU_DEBUG on.
