"""`manage.py export_technique_template` and `manage.py import_techniques`: the template from the
command line, and an import that prints its progress and either every error or a summary."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from techniques.models import Technique
from techniques.spreadsheets import DATA_SHEET
from techniques.tests.test_spreadsheets import good, xlsx


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Uploads and error sheets of these tests go to a scratch directory, not the project's media.
    settings.MEDIA_ROOT = tmp_path / "media"


def _command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _file(tmp_path, data: bytes):
    path = tmp_path / "申报.xlsx"
    path.write_bytes(data)
    return str(path)


def test_export_technique_template_writes_the_template(db, tmp_path):
    path = tmp_path / "模板.xlsx"
    out, _err = _command("export_technique_template", str(path))
    assert "已写出模板" in out
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == DATA_SHEET and "填写说明" in workbook.sheetnames
    with pytest.raises(CommandError, match="扩展名应为 .xlsx"):
        _command("export_technique_template", str(tmp_path / "模板.xls"))


def test_the_exported_template_filled_in_imports(world, tmp_path):
    path = tmp_path / "模板.xlsx"
    _command("export_technique_template", str(path))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[DATA_SHEET]
    headers = [c.value for c in sheet[1]]
    sheet.append([good().get(h) for h in headers])
    workbook.save(path)
    out, err = _command("import_techniques", str(path), "--entered-by", "sun", "--org", str(world.yanhu_health.pk))
    assert "导入成功：共 1 行，新建申报 1 项。" in out
    assert "校验 [" in err and "100% 1/1 行" in err  # the progress bar, on stderr
    technique = Technique.objects.get()
    assert technique.channel == "import" and technique.status == "draft" and technique.entered_by == world.sun


def test_import_prints_a_progress_bar_every_500_rows(world, tmp_path):
    rows = [good(**{"技术名称*": f"技术{n}"}) for n in range(1200)]
    out, err = _command(
        "import_techniques", _file(tmp_path, xlsx(rows)), "--entered-by", "sun", "--org", str(world.yanhu_health.pk)
    )
    assert "共 1,200 行，新建申报 1,200 项" in out
    check = [part for part in err.split("\r") if part.startswith("校验")]
    assert [p.split("%")[1].split()[0] for p in check] == ["100/1,200", "600/1,200", "1,100/1,200", "1,200/1,200"]
    assert Technique.objects.count() == 1200


def test_import_with_errors_prints_each_and_exits_non_zero_writing_nothing(world, tmp_path):
    rows = [good(**{"同意公开*": ""}), good(**{"技术名称*": "二", "技术类别*": "祖传秘方"})]
    with pytest.raises(CommandError) as failure:
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "import_techniques",
            _file(tmp_path, xlsx(rows)),
            "--entered-by",
            "sun",
            "--org",
            str(world.yanhu_health.pk),
            stdout=out,
            stderr=err,
        )
    assert failure.value.returncode == 1
    assert str(failure.value) == "导入失败：发现 2 处错误，未写入任何数据。请按错误清单修改后重新导入。"
    lines = err.getvalue().splitlines()
    assert "第 2 行 · 同意公开* · （空） · 未填写：应填写「是」或「否」（须由持有人本人确认）" in lines
    assert any(line.startswith("第 3 行 · 技术类别* · 祖传秘方 · 不是有效的技术类别，应为：") for line in lines)
    assert Technique.objects.count() == 0


def test_import_of_a_renamed_xls_exits_non_zero(world, tmp_path):
    path = _file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_techniques", path, "--entered-by", "sun", "--org", str(world.yanhu_health.pk), stderr=err)
    assert "文件 · 文件不是 .xlsx 格式（可能是把 .xls 改了扩展名），请在 Excel 中另存为 .xlsx" in err.getvalue()


def test_import_submit_submits_every_declaration(world, tmp_path):
    rows = [good(), good(**{"技术名称*": "第二项"})]
    out, _err = _command(
        "import_techniques",
        _file(tmp_path, xlsx(rows)),
        "--entered-by",
        "sun",
        "--org",
        str(world.yanhu_health.pk),
        "--submit",
    )
    assert "已提交 2 项" in out
    assert set(Technique.objects.values_list("status", flat=True)) == {"submitted"}


def test_import_refuses_unknown_people_units_and_outsiders(world, tmp_path):
    path = _file(tmp_path, xlsx([good()]))
    org = str(world.yanhu_health.pk)
    with pytest.raises(CommandError, match="找不到有效的用户「nobody」"):
        _command("import_techniques", path, "--entered-by", "nobody", "--org", org)
    with pytest.raises(CommandError, match="找不到编号为 999999 的单位"):
        _command("import_techniques", path, "--entered-by", "sun", "--org", "999999")
    with pytest.raises(CommandError, match="您不是「盐湖区卫生健康局」的工作人员"):
        _command("import_techniques", path, "--entered-by", "zhou", "--org", org)
    with pytest.raises(CommandError, match="无法读取"):
        _command("import_techniques", str(tmp_path / "missing.xlsx"), "--entered-by", "sun", "--org", org)
    assert Technique.objects.count() == 0
