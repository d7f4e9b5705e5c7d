from django.urls import path

from . import views

urlpatterns = [
    path("facts/", views.FactsView.as_view(), name="analytics_api_facts"),
    path("totals/", views.TotalsView.as_view(), name="analytics_api_totals"),
    path("drill/", views.DrillView.as_view(), name="analytics_api_drill"),
    path("case-report/", views.CaseReportView.as_view(), name="analytics_api_case_report"),
    path("screen/", views.ScreenView.as_view(), name="analytics_api_screen"),
    path("performance/", views.PerformanceView.as_view(), name="analytics_api_performance"),
    path(
        "evaluationtargets/<int:pk>/materials/",
        views.EvaluationMaterialView.as_view(),
        name="analytics_api_evaluation_material",
    ),
]
