"""/api/v1/legal/… endpoints beyond the generic viewsets (search, suggestions, discretion selection)."""

from .codes import urlpatterns as code_urls
from .laws import urlpatterns as law_urls

urlpatterns = [*law_urls, *code_urls]
