from teis.core.views import app_urls

from .views import boards, evaluation, performance, reports, statutory, themes

app_name = "analytics"
urlpatterns = [
    *reports.urlpatterns,
    *boards.urlpatterns,
    *statutory.urlpatterns,
    *evaluation.urlpatterns,
    *performance.urlpatterns,
    *themes.urlpatterns,
    *app_urls("analytics"),
]
