from teis.core.views import app_urls

from .views import petition as petition_views
from .views import query as query_views
from .views import stats as stats_views

app_name = "petitions"
urlpatterns = [
    *query_views.urlpatterns,
    *stats_views.urlpatterns,
    *petition_views.urlpatterns,
    *app_urls("petitions"),
]
