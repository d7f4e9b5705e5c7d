from teis.core.views import app_urls

from .views import areas as area_views
from .views import clues as clue_views
from .views import imports as import_views
from .views import live as live_views
from .views import thresholds as threshold_views

app_name = "maritime"
urlpatterns = [
    *live_views.urlpatterns,
    *area_views.urlpatterns,
    *clue_views.urlpatterns,
    *import_views.urlpatterns,
    *threshold_views.urlpatterns,
    *app_urls("maritime"),
]
