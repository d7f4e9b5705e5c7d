urlpatterns: list = []  # the registered models' viewsets and actions come from core (`/api/v1/finance/...`)
