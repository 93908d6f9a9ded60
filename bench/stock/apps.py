from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "bench.stock"
    label = "stock"
