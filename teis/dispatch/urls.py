from teis.core.views import app_urls

from .views import duty as duty_views
from .views import live as live_views
from .views import stats as stats_views
from .views import thresholds as threshold_views
from .views import tracks as track_views

app_name = "dispatch"
urlpatterns = [
    *live_views.urlpatterns,
    *track_views.urlpatterns,
    *duty_views.urlpatterns,
    *stats_views.urlpatterns,
    *threshold_views.urlpatterns,
    *app_urls("dispatch"),
]
