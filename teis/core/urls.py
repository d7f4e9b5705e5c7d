from django.urls import path

from . import calendar_views, dictionary_views, pages
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
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
    path("calendar/template/<int:year>.xlsx", calendar_views.calendar_template, name="calendar_template"),
    *app_urls("core"),
]
