"""Chinese names for the third-party apps in the Django admin (issue 12 §3).

axes, django-otp and django-tasks name their apps, models and fields in English and ship no
zh-hans catalogue. Their display names are set here once every app is ready: the app configs'
and models' names, the fields' labels (`verbose_name`, which the admin reads, not
`_verbose_name`, which migrations record — so no migration of theirs changes), and the titles of
their admin columns and filters. What the admin shows of them is then Chinese throughout.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "axes": _("登录锁定"),
    "otp_totp": _("动态口令"),
    "otp_static": _("恢复码"),
    "django_tasks_database": _("任务队列"),
}

MODEL_NAMES = {
    "axes.accessattempt": _("登录失败计数"),
    "axes.accesslog": _("登录记录"),
    "axes.accessfailurelog": _("登录失败记录"),
    "axes.accessattemptexpiration": _("锁定到期时间"),
    "otp_totp.totpdevice": _("动态口令（TOTP）设备"),
    "otp_static.staticdevice": _("恢复码设备"),
    "otp_static.statictoken": _("恢复码"),
    "django_tasks_database.dbtaskresult": _("任务执行记录"),
}

_ACCESS = {
    "user_agent": _("浏览器标识"),
    "ip_address": _("IP 地址"),
    "username": _("用户名"),
    "http_accept": _("HTTP 接受类型"),
    "path_info": _("访问路径"),
    "attempt_time": _("时间"),
}
_DEVICE = {
    "user": _("用户"),
    "name": _("名称"),
    "confirmed": _("已确认"),
    "throttling_failure_timestamp": _("最近失败时间"),
    "throttling_failure_count": _("连续失败次数"),
    "created_at": _("创建时间"),
    "last_used_at": _("最近使用时间"),
}

FIELD_NAMES = {
    "axes.accessattempt": {
        **_ACCESS,
        "get_data": _("GET 数据"),
        "post_data": _("POST 数据"),
        "failures_since_start": _("失败次数"),
    },
    "axes.accesslog": {**_ACCESS, "logout_time": _("退出时间"), "session_hash": _("会话标识摘要（SHA-256）")},
    "axes.accessfailurelog": {**_ACCESS, "locked_out": _("已锁定")},
    "otp_totp.totpdevice": {
        **_DEVICE,
        "key": _("密钥"),
        "step": _("时间步长"),
        "t0": _("起始时间"),
        "digits": _("位数"),
        "tolerance": _("容差"),
        "drift": _("时钟偏移"),
        "last_t": _("最近使用的时间步"),
    },
    "otp_static.staticdevice": _DEVICE,
    "otp_static.statictoken": {"device": _("设备"), "token": _("恢复码")},
    "django_tasks_database.dbtaskresult": {
        "id": _("编号"),
        "status": _("状态"),
        "enqueued_at": _("排队时间"),
        "started_at": _("开始时间"),
        "finished_at": _("完成时间"),
        "args_kwargs": _("参数"),
        "priority": _("优先级"),
        "task_path": _("任务"),
        "worker_ids": _("执行进程"),
        "queue_name": _("队列"),
        "backend_name": _("后端"),
        "run_after": _("计划执行时间"),
        "return_value": _("返回值"),
        "exception_class_path": _("异常类型"),
        "traceback": _("错误堆栈"),
    },
}

# Admin columns and actions that are methods or properties (their `short_description`).
COLUMN_NAMES = {
    "axes.accessattempt": {
        "status": _("状态"),
        "expiration": _("锁定到期时间"),
        "cleanup_expired_attempts": _("清除已过期的失败计数"),
    },
    "otp_totp.totpdevice": {"qrcode_link": _("二维码")},
    "django_tasks_database.dbtaskresult": {
        "task_name": _("任务"),
        "formatted_traceback": _("错误堆栈"),
        "display_run_after": _("计划执行时间"),
    },
}

# axes's sections of a record's page.
FIELDSET_NAMES = {"Form Data": _("表单数据"), "Meta Data": _("请求信息")}


def _when(moment) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


def _attempt(record) -> str:
    return _("登录失败计数：%(user)s · %(when)s") % {"user": record.username, "when": _when(record.attempt_time)}


def _access(record) -> str:
    return _("登录记录：%(user)s · %(when)s") % {"user": record.username, "when": _when(record.attempt_time)}


def _failure(record) -> str:
    text = _("登录失败：%(user)s · %(when)s · %(ip)s") % {
        "user": record.username,
        "when": _when(record.attempt_time),
        "ip": record.ip_address,
    }
    return text + (_("（已锁定）") if record.locked_out else "")


# axes's records name themselves in English (an f-string, not translatable): the admin's page
# titles and its change history read these instead.
RECORD_NAMES = {"axes.accessattempt": _attempt, "axes.accesslog": _access, "axes.accessfailurelog": _failure}


def name_third_party_apps() -> None:
    from django.contrib import admin

    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.app_configs[label].verbose_name = name
    for label, name in MODEL_NAMES.items():
        model = _model(label)
        if model is None:
            continue
        # Not original_attrs: what a migration records stays the app's own.
        model._meta.verbose_name = name
        model._meta.verbose_name_plural = name
        if label in RECORD_NAMES:
            model.__str__ = RECORD_NAMES[label]
        for field_name, field_label in FIELD_NAMES.get(label, {}).items():
            model._meta.get_field(field_name).verbose_name = field_label
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        for method, title in COLUMN_NAMES.get(label, {}).items():
            # A method of the admin, or a property of the model.
            function = getattr(type(model_admin), method, None) or getattr(model, method, None)
            if isinstance(function, property):
                function = function.fget
            if function is not None:
                function.short_description = title
        if model_admin.fieldsets:
            model_admin.fieldsets = [
                (FIELDSET_NAMES.get(str(title), title) if title else title, options)
                for title, options in model_admin.fieldsets
            ]
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, type) and getattr(list_filter, "parameter_name", "") == "locked_out":
                list_filter.title = _("是否锁定")


def _model(label: str):
    app_label, model_name = label.split(".")
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None
