"""Printed forms (打印): each paper form renders from a demo-like record as an A4 PDF holding the
record's facts in Chinese, scoped like the record's page, with the ID number in full only for an
account allowed to reveal it (and then audited)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from gonghui.accounts.models import AuditLog
from gonghui.assistance import services as assistance_services
from gonghui.campaigns import services as campaign_services
from gonghui.joining import services as joining_services
from gonghui.members.models import MemberEvent
from gonghui.members.services import member_create
from gonghui.printing import sheet
from gonghui.rights import services as rights_services
from tests.assistance.support import file_data, rights_for_all, standard, visit
from tests.campaigns.support import NOW, make_campaign
from tests.conftest import id_number, make_worker, member_data

A4 = (595.28, 841.89)
# Every form's pages are drawn here as PNG for a person to look at (Chinese characters, not boxes;
# the grid, the signature and stamp boxes, the page numbers).
PNG_DIR = Path(os.environ.get("GONGHUI_PRINT_PNG_DIR") or Path(tempfile.gettempdir()) / "gonghui-print")
PDFTOPPM, PDFFONTS = shutil.which("pdftoppm"), shutil.which("pdffonts")


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def get_pdf(client, url: str) -> tuple[PdfReader, str, bytes]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    reader, text = pdf_text(response.content)
    return reader, text, response.content


def compact(text: str) -> str:
    """The extracted text without the spaces and line breaks the layout puts between characters."""
    return "".join(text.split())


# ---- records ---------------------------------------------------------------------------------


@pytest.fixture
def member(tree):
    return member_create(
        actor=tree.officer_a,
        data=member_data(
            tree.union_a1, seq=31, name="李明", phone="13800001234", employer_name="望京科技有限公司",
            is_migrant_worker=True, new_employment_form="courier",
        ),
    )  # fmt: skip


@pytest.fixture
def application(tree):
    worker = make_worker("13911116666", name="周红", id_no=id_number(32))
    application = joining_services.application_submit(
        worker=worker, org=tree.union_a1, data={"employer_name": "望京快送站", "education": "senior"}
    )
    return joining_services.application_approve(actor=tree.officer_a, application=application)


@pytest.fixture
def paid_grant(tree):
    """A filed hardship file (with its household) granted 送温暖 money, approved and paid."""
    rights_for_all(tree)
    standard("110105", 2026)
    file = assistance_services.file_create(
        actor=tree.superuser, data=file_data(tree.union_a1, 33, name="王困难", cause_note="本人患尿毒症，长期透析")
    )
    visit(tree.superuser, file)
    assistance_services.file_submit(actor=tree.superuser, file=file)
    file = assistance_services.file_verify(actor=tree.superuser, file=file)
    assistance_services.finish_notices(now=file.notice_ends_at)
    campaign = make_campaign(tree.superuser, tree.district_a, budget="50000", name="送温暖", eligibility="open")
    allocation = campaign_services.allocation_create(
        actor=tree.superuser, campaign=campaign, org=tree.union_a1, amount="30000", now=NOW
    )
    campaign_services.allocation_approve(actor=tree.superuser, allocation=allocation, now=NOW)
    grant = campaign_services.grant_propose(
        actor=tree.officer_a1, campaign=campaign, data={"hardship_file": file.pk, "reason": "春节前慰问深度困难职工"}
    )
    campaign_services.grant_approve(actor=tree.officer_a, grant=grant)
    return campaign_services.grant_pay(
        actor=tree.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", payer="钱干事", now=NOW
    )


@pytest.fixture
def resolved_request(tree):
    request = rights_services.request_record_call(
        actor=tree.officer_a,
        data={
            "channel": "hotline",
            "requester_name": "赵六",
            "requester_phone": "13700001111",
            "category": "wage_arrears",
            "title": "拖欠三个月工资",
            "description": "望京某建筑公司自8月起未发工资，涉及本人。",
            "employer_name": "望京某建筑公司",
            "handling_org": tree.union_a1.pk,
        },
    )
    request = rights_services.request_accept(actor=tree.officer_a1, request=request)
    request = rights_services.request_start(actor=tree.officer_a1, request=request, note="约谈用人单位")
    return rights_services.request_resolve(
        actor=tree.officer_a1, request=request, resolution="经工会协调，公司已补发拖欠工资18000元。"
    )


# ---- each form -------------------------------------------------------------------------------


def test_member_registration_form(client, tree, member):
    client.force_login(tree.officer_a)
    reader, text, _content = get_pdf(client, f"/print/members/{member.pk}/registration.pdf")
    flat = compact(text)
    assert len(reader.pages) == 1
    assert tuple(round(float(x), 2) for x in reader.pages[0].mediabox[2:]) == A4
    for expected in ("工会会员登记表", "李明", "望京科技有限公司", "望京科技公司工会", member.card_number,
                     "快递员", "■是", "统一社会信用代码", "审核人", "年月日", "第1页共1页"):  # fmt: skip
        assert compact(expected) in flat, expected
    # The officer may reveal ID numbers: the form carries it in full, and the read is on record.
    assert id_number(31) in flat
    assert "13800001234" in flat
    assert AuditLog.objects.filter(action="reveal_id", target_type="member", target_id=str(member.pk)).count() == 1
    assert member.events.filter(kind=MemberEvent.Kind.ID_REVEALED).count() == 1


def test_a_viewer_prints_masked_numbers_and_nothing_is_revealed(client, tree, member):
    client.force_login(tree.viewer_a)
    _reader, text, _content = get_pdf(client, f"/print/members/{member.pk}/registration.pdf")
    flat = compact(text)
    assert id_number(31) not in flat
    assert member.id_number_masked in flat
    assert "138****1234" in flat
    assert not AuditLog.objects.filter(action="reveal_id").exists()


def test_join_application_form(client, tree, application):
    client.force_login(tree.officer_a1)
    _reader, text, _content = get_pdf(client, f"/print/joining/{application.pk}/application.pdf")
    flat = compact(text)
    for expected in ("入会申请书", "周红", "望京快送站", "望京科技公司工会", "高中/中专/技校", "1990年05月17日",
                     "本人自愿加入中华全国总工会", "申请人签字", "基层工会意见", "同意吸收为工会会员", "（盖章）"):  # fmt: skip
        assert expected in flat, expected
    assert id_number(32) in flat
    assert AuditLog.objects.get(action="reveal_id", target_type="joinapplication").detail == {
        "via": "print",
        "form": "join_application",
    }


def test_member_application_form_for_a_member_registered_by_the_union(client, tree, member):
    client.force_login(tree.officer_a)
    _reader, text, _content = get_pdf(client, f"/print/members/{member.pk}/application.pdf")
    flat = compact(text)
    assert "入会申请书" in flat
    assert "李明" in flat
    assert "快递员" in flat


def test_assistance_approval_form(client, tree, paid_grant):
    client.force_login(tree.officer_a)
    _reader, text, _content = get_pdf(client, f"/print/grants/{paid_grant.pk}/approval.pdf")
    flat = compact(text)
    for expected in ("困难职工帮扶审批表", "王困难", "北京市朝阳区望京街道1号", "深度困难", "大病、子女就学",
                     "本人患尿毒症，长期透析", "家庭成员情况", "配偶", "李某", "2026年送温暖", "春节前慰问深度困难职工",
                     "基层工会意见", "上级工会审批意见", "同意救助，核定金额1,000.00元", "现金", "2026年01月09日",
                     "钱干事", "领取人签字"):  # fmt: skip
        assert expected in flat, expected
    assert id_number(33) in flat
    # Hardship data read by printing: audited like the grant's page (VIEW_ASSISTANCE, via print).
    assert AuditLog.objects.filter(action="view_assistance", detail__via="print").count() == 1
    assert AuditLog.objects.filter(action="reveal_id", target_type="grant").count() == 1


def test_assistance_forms_need_the_assistance_right(client, tree, paid_grant):
    from tests.assistance.support import no_right_officer

    client.force_login(no_right_officer(tree))
    assert client.get(f"/print/grants/{paid_grant.pk}/approval.pdf").status_code == 403
    assert client.get(f"/print/campaigns/{paid_grant.campaign_id}/payments.pdf").status_code == 403


def test_relief_payment_sheet_runs_over_pages_with_numbers_and_a_signature_column(client, tree, paid_grant):
    campaign = paid_grant.campaign
    for seq in range(40, 75):  # 35 more people: the sheet runs to a second page
        campaign_services.grant_propose(
            actor=tree.superuser,
            campaign=campaign,
            data={"person_name": f"困难{seq}", "id_number": id_number(seq), "org": tree.union_a1.pk, "reason": "慰问"},
        )
    for grant in campaign.grants.filter(state="proposed"):
        campaign_services.grant_approve(actor=tree.officer_a, grant=grant)
    client.force_login(tree.officer_a)
    reader, text, content = get_pdf(client, f"/print/campaigns/{campaign.pk}/payments.pdf")
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    (PNG_DIR / "relief_payment_36.pdf").write_bytes(content)  # for a person to look at
    flat = compact(text)
    assert len(reader.pages) >= 2
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert width > height  # landscape
    for expected in ("2026年送温暖救助金发放表", "领取人签字", "王困难", "困难40", "困难74", "待发放", "合计", "36人",
                     "经办人", "发放单位（盖章）", "第1页共", "第2页共"):  # fmt: skip
        assert expected in flat, expected
    # A list of people handed round for signatures: ID numbers masked, the print audited as an export.
    assert id_number(33) not in flat
    assert paid_grant.id_number_masked in flat
    page_two = compact(reader.pages[1].extract_text())
    assert "领取人签字" in page_two  # the header row repeats
    log = AuditLog.objects.get(action="export", detail__what="payment_sheet")
    assert log.detail["rows"] == 36


def test_rights_request_record(client, tree, resolved_request):
    client.force_login(tree.officer_a)
    _reader, text, _content = get_pdf(client, f"/print/rights/{resolved_request.pk}/record.pdf")
    flat = compact(text)
    for expected in ("职工维权服务受理及办结登记表", resolved_request.reference, "赵六", "13700001111", "欠薪",
                     "12351热线", "拖欠三个月工资", "一、登记", "二、受理", "受理人", "officer_a1", "三、办理过程",
                     "开始办理", "约谈用人单位", "四、办结", "经工会协调，公司已补发拖欠工资18000元。",
                     "求助人签字", "承办人签字", "状态：已办结"):  # fmt: skip
        assert expected in flat, expected


@pytest.mark.parametrize(
    "url",
    [
        "/print/members/{member}/registration.pdf",
        "/print/members/{member}/application.pdf",
        "/print/rights/{request}/record.pdf",
    ],
)
def test_another_unions_record_is_not_found(client, tree, member, resolved_request, url):
    client.force_login(tree.officer_b)
    response = client.get(url.format(member=member.pk, request=resolved_request.pk))
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="reveal_id").exists()


def test_a_missing_font_is_said_in_chinese(client, tree, member, settings):
    settings.GONGHUI_PDF_FONT = "/nonexistent/font.ttc"
    client.force_login(tree.officer_a)
    response = client.get(f"/print/members/{member.pk}/registration.pdf")
    assert response.status_code == 503
    assert "服务器缺少中文字体文件 /nonexistent/font.ttc" in response.content.decode()
    assert "fonts-wqy-microhei" in response.content.decode()


# ---- the pages look like paper forms -----------------------------------------------------------


@pytest.mark.skipif(
    not (PDFTOPPM and PDFFONTS), reason="poppler-utils is not installed (scripts/ensure-system-packages.sh)"
)
def test_pages_render_with_the_chinese_font_embedded(client, tree, member, application, paid_grant, resolved_request):
    """Draw every form's pages to PNG (kept in PNG_DIR for a person to look at) and check what a
    program can: the Chinese font embedded in the PDF, and ink on every page in its printable area."""
    from PIL import Image

    client.force_login(tree.officer_a)
    forms = {
        "member_registration": f"/print/members/{member.pk}/registration.pdf",
        "join_application": f"/print/joining/{application.pk}/application.pdf",
        "assistance_approval": f"/print/grants/{paid_grant.pk}/approval.pdf",
        "relief_payment": f"/print/campaigns/{paid_grant.campaign_id}/payments.pdf",
        "rights_record": f"/print/rights/{resolved_request.pk}/record.pdf",
    }
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for name, url in forms.items():
        reader, _text, content = get_pdf(client, url)
        for stale in PNG_DIR.glob(f"{name}-*.png"):
            stale.unlink()
        pdf = PNG_DIR / f"{name}.pdf"
        pdf.write_bytes(content)
        fonts = subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, check=True).stdout
        font_lines = fonts.splitlines()[2:]
        assert font_lines, fonts
        for line in font_lines:  # every font embedded and mapped to Unicode: no viewer substitutes boxes
            assert "WenQuanYi" in line or "wqy" in line.lower(), line
            assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, Unicode map
        subprocess.run([PDFTOPPM, "-r", "60", "-png", str(pdf), str(PNG_DIR / name)], check=True)
        pages = sorted(PNG_DIR.glob(f"{name}-*.png"))
        assert len(pages) == len(reader.pages), name
        for png in pages:
            image = Image.open(png).convert("L")
            dark = sum(image.histogram()[:128])
            assert dark > image.width * image.height * 0.005, f"{png} is (almost) blank"


def test_font_collection_opens_at_its_first_face():
    assert sheet.font() == sheet.FONT_NAME
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(sheet.FONT_NAME).face
    assert ord("会") in face.charToGlyph
    assert ord("■") in face.charToGlyph and ord("□") in face.charToGlyph


def test_each_records_page_has_its_print_button(client, tree, member, application, paid_grant, resolved_request):
    client.force_login(tree.officer_a)
    pages = {
        f"/members/{member.pk}/": [
            f"/print/members/{member.pk}/registration.pdf",
            f"/print/members/{member.pk}/application.pdf",
        ],
        f"/joining/{application.pk}/": [f"/print/joining/{application.pk}/application.pdf"],
        f"/campaigns/grants/{paid_grant.pk}/": [f"/print/grants/{paid_grant.pk}/approval.pdf"],
        f"/campaigns/{paid_grant.campaign_id}/": [f"/print/campaigns/{paid_grant.campaign_id}/payments.pdf"],
        f"/rights/{resolved_request.pk}/": [f"/print/rights/{resolved_request.pk}/record.pdf"],
    }
    for page, links in pages.items():
        html = client.get(page).content.decode()
        for link in links:
            assert f'href="{link}"' in html, (page, link)
