"""Text messages through a pluggable gateway (短信网关).

`settings.GONGHUI_SMS_BACKEND` names a class with `send_messages(messages) -> int`; each message is
an `SmsMessage(phone, text)`. Shipped backends:

* `gonghui.core.sms.ConsoleBackend` (default): writes each message to the log — development and
  the embedded demo, where no gateway exists;
* `gonghui.core.sms.LocmemBackend`: keeps messages in `gonghui.core.sms.outbox` (tests).

A provider backend (Aliyun, Tencent Cloud, a carrier's CMPP gateway, a province's 12351 platform)
subclasses `BaseSmsBackend`, reads its credentials from settings or the environment, and raises
`SmsDeliveryError` when the provider refuses a message; see docs/operations.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .phone import mask_mobile

logger = logging.getLogger("gonghui.sms")
outbox: list[SmsMessage] = []


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class SmsDeliveryError(Exception):
    """The gateway refused or failed to deliver a message."""


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Logs the message: where no gateway is configured, an operator can still read the code."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            logger.info("SMS to %s: %s", mask_mobile(message.phone), message.text)
        return len(messages)


class LocmemBackend(BaseSmsBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend(fail_silently: bool = False) -> BaseSmsBackend:
    return import_string(settings.GONGHUI_SMS_BACKEND)(fail_silently=fail_silently)


def send_sms(phone: str, text: str, *, fail_silently: bool = False) -> int:
    try:
        return get_backend(fail_silently).send_messages([SmsMessage(phone, text)])
    except SmsDeliveryError:
        if fail_silently:
            logger.warning("SMS to %s failed", mask_mobile(phone), exc_info=True)
            return 0
        raise
