from teis.core.views import app_urls

from .views import case as case_views
from .views import custody as custody_views
from .views import dispatch as dispatch_views
from .views import monitoring as monitoring_views
from .views import objects as objects_views
from .views import query as query_views
from .views import sampling as sampling_views

app_name = "cases"
# queries, monitoring, sampling and dispatch pages
urlpatterns = [
    *query_views.urlpatterns,
    *monitoring_views.urlpatterns,
    *sampling_views.urlpatterns,
    *dispatch_views.urlpatterns,
    *case_views.urlpatterns,
    *custody_views.urlpatterns,
    *objects_views.urlpatterns,
    *app_urls("cases"),
]
