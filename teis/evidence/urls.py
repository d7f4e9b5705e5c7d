from teis.core.views import app_urls

from .views import admin as admin_views
from .views import items as item_views
from .views import share as share_views

app_name = "evidence"
urlpatterns = [
    *item_views.urlpatterns,
    *admin_views.urlpatterns,
    *share_views.urlpatterns,
    *app_urls("evidence"),
]
