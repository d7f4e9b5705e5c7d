from django.urls import path

from . import pages
from .views import app_urls

app_name = "core"

urlpatterns = [
    path("todo/", pages.todo_list, name="todo_list"),
    path("notifications/", pages.notification_list, name="notification_list"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    path("jobs/", pages.jobs, name="jobs"),
    path("exports/<int:pk>/", pages.export_job, name="export_job"),
    path("exports/<int:pk>/download/", pages.export_download, name="export_download"),
    *app_urls("core"),
]
