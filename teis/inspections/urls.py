from django.urls import path

from teis.core.views import app_urls

from . import views

app_name = "inspections"
urlpatterns = [
    path("plans/<int:pk>/board/", views.plan_board, name="plan_board"),
    path("plans/<int:pk>/publication.xlsx", views.plan_publication, name="plan_publication"),
    path("tasks/mine/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/execute/", views.task_execute, name="task_execute"),
    path("tasks/<int:pk>/photos/<int:photo_pk>/", views.task_photo, name="task_photo"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
    path("objects/import/", views.object_import, name="object_import"),
    path("objects/import/template.xlsx", views.object_import_template, name="object_import_template"),
    path("objects/import/<int:pk>/", views.object_import_job, name="object_import_job"),
    *app_urls("inspections"),
]
