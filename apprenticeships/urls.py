app_name = "apprenticeships"

urlpatterns: list = []
