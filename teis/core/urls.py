from django.urls import path

from . import dictionary_views, pages
from .views import app_urls

app_name = "core"

urlpatterns = [
    path("todo/", pages.todo_list, name="todo_list"),
    path("notifications/", pages.notification_list, name="notification_list"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    path("jobs/", pages.jobs, name="jobs"),
    path("exports/<int:pk>/", pages.export_job, name="export_job"),
    path("exports/<int:pk>/download/", pages.export_download, name="export_download"),
    path("dictionaries/<slug:type_code>/export/", dictionary_views.dictionary_export, name="dictionary_export"),
    path("dictionaries/<slug:type_code>/import/", dictionary_views.dictionary_import, name="dictionary_import"),
    *app_urls("core"),
]
