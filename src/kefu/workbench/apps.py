from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "kefu.workbench"
    label = "workbench"
