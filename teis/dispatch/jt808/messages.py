"""JT/T 808 message bodies: dataclasses with `encode(version_2019)` and `decode_body(header, body)`.

Each class names its message as titled in chapter 8 of JT/T 808-2013 and JT/T 808-2019 (the clause numbers
after 8.7 differ between the editions because 2019 inserts messages, so the title is the reference). All integers
are big-endian (4.3); texts (STRING) are GBK (4.2). Decoders raise only FrameError.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .framing import FrameError, fixed_encode, fixed_text, gbk_decode, gbk_encode
from .header import Header
from .location import BatchLocation, Location

TERMINAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
LOGOUT = 0x0003
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH_LOCATION = 0x0704
PLATFORM_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100
TEXT_MESSAGE = 0x8300

# General response results (终端通用应答 / 平台通用应答)
RESULT_OK = 0
RESULT_FAILURE = 1
RESULT_MESSAGE_ERROR = 2
RESULT_NOT_SUPPORTED = 3
RESULT_ALARM_ACK = 4  # 0x8001 only

# 0x8100 results (终端注册应答)
REGISTER_OK = 0
REGISTER_VEHICLE_TAKEN = 1
REGISTER_NO_VEHICLE = 2
REGISTER_TERMINAL_TAKEN = 3
REGISTER_NO_TERMINAL = 4

# Register field widths (终端注册): (maker, model, terminal id) in 2013 / 2019
REGISTER_WIDTHS = {False: (5, 20, 7), True: (11, 30, 30)}


def _need(body: bytes, n: int, what: str) -> None:
    if len(body) < n:
        raise FrameError("body", f"{what}消息体过短")


@dataclass(frozen=True, slots=True)
class GeneralResponse:
    """0x0001 终端通用应答 (2013 8.1) and 0x8001 平台通用应答 (2013 8.2): reply serial WORD, reply id WORD,
    result BYTE."""

    reply_serial: int
    reply_id: int
    result: int = RESULT_OK
    platform: bool = True  # True → 0x8001, False → 0x0001

    @property
    def msg_id(self) -> int:
        return PLATFORM_RESPONSE if self.platform else TERMINAL_RESPONSE

    def encode(self, version_2019: bool = False) -> bytes:
        return struct.pack(">HHB", self.reply_serial, self.reply_id, self.result)

    @classmethod
    def decode(cls, body: bytes, platform: bool) -> GeneralResponse:
        if len(body) != 5:
            raise FrameError("body", "通用应答消息体应为 5 字节")
        serial, reply_id, result = struct.unpack(">HHB", body)
        return cls(serial, reply_id, result, platform)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """0x0002 终端心跳 (2013 8.3): empty body."""

    msg_id = HEARTBEAT

    def encode(self, version_2019: bool = False) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class Logout:
    """0x0003 终端注销 (2013 8.6): empty body."""

    msg_id = LOGOUT

    def encode(self, version_2019: bool = False) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class Register:
    """0x0100 终端注册 (2013 8.4): province WORD, city WORD, maker BYTE[5|11], model BYTE[20|30],
    terminal id BYTE[7|30], plate colour BYTE (JT/T 415; 0 = no plate, then `plate` is the VIN), plate STRING."""

    province: int
    city: int
    maker: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str

    msg_id = REGISTER

    def encode(self, version_2019: bool = False) -> bytes:
        maker_w, model_w, tid_w = REGISTER_WIDTHS[version_2019]
        return (
            struct.pack(">HH", self.province, self.city)
            + fixed_encode(self.maker, maker_w)
            + fixed_encode(self.model, model_w)
            + fixed_encode(self.terminal_id, tid_w)
            + bytes([self.plate_colour & 0xFF])
            + gbk_encode(self.plate)
        )

    @classmethod
    def decode(cls, body: bytes, version_2019: bool) -> Register:
        maker_w, model_w, tid_w = REGISTER_WIDTHS[version_2019]
        fixed = 4 + maker_w + model_w + tid_w + 1
        _need(body, fixed, "终端注册")
        province, city = struct.unpack_from(">HH", body, 0)
        pos = 4
        maker = fixed_text(body[pos : pos + maker_w])
        pos += maker_w
        model = fixed_text(body[pos : pos + model_w])
        pos += model_w
        terminal_id = fixed_text(body[pos : pos + tid_w])
        pos += tid_w
        colour = body[pos]
        plate = gbk_decode(body[pos + 1 :]).rstrip("\x00")
        return cls(province, city, maker, model, terminal_id, colour, plate)


@dataclass(frozen=True, slots=True)
class RegisterResponse:
    """0x8100 终端注册应答 (2013 8.5): reply serial WORD, result BYTE, auth code STRING (only on success)."""

    reply_serial: int
    result: int
    auth_code: str = ""

    msg_id = REGISTER_RESPONSE

    def encode(self, version_2019: bool = False) -> bytes:
        body = struct.pack(">HB", self.reply_serial, self.result)
        if self.result == REGISTER_OK:
            body += gbk_encode(self.auth_code)
        return body

    @classmethod
    def decode(cls, body: bytes, version_2019: bool) -> RegisterResponse:
        _need(body, 3, "注册应答")
        serial, result = struct.unpack_from(">HB", body, 0)
        return cls(serial, result, gbk_decode(body[3:]) if result == REGISTER_OK else "")


@dataclass(frozen=True, slots=True)
class Authenticate:
    """0x0102 终端鉴权 (2013 8.7). 2013: the whole body is the auth code STRING. 2019: code
    length BYTE, auth code STRING, IMEI BYTE[15], software version BYTE[20]."""

    auth_code: str
    imei: str = ""
    software_version: str = ""

    msg_id = AUTHENTICATE

    def encode(self, version_2019: bool = False) -> bytes:
        code = gbk_encode(self.auth_code)
        if not version_2019:
            return code
        if len(code) > 255:
            raise FrameError("body", "鉴权码过长")
        return bytes([len(code)]) + code + fixed_encode(self.imei, 15) + fixed_encode(self.software_version, 20)

    @classmethod
    def decode(cls, body: bytes, version_2019: bool) -> Authenticate:
        if not version_2019:
            return cls(gbk_decode(body).rstrip("\x00"))
        _need(body, 1, "终端鉴权")
        n = body[0]
        _need(body, 1 + n + 35, "终端鉴权")
        code = gbk_decode(body[1 : 1 + n])
        imei = fixed_text(body[1 + n : 16 + n])
        software = fixed_text(body[16 + n : 36 + n])
        return cls(code, imei, software)


@dataclass(frozen=True, slots=True)
class TextMessage:
    """0x8300 文本信息下发. 2013: flag BYTE, text STRING. 2019: flag BYTE, text
    type BYTE (1 通知, 2 服务), text STRING. Flag bits 2013: 0 urgent, 2 terminal display, 3 TTS, 4 advertising
    screen, 5 CAN fault code; 2019: bits 0–1 01 service / 10 urgent / 11 notification, 2 display, 3 TTS, 5 CAN."""

    text: str
    flag: int = 0b0000_0100  # display on the terminal
    text_type: int = 1

    msg_id = TEXT_MESSAGE

    def encode(self, version_2019: bool = False) -> bytes:
        head = bytes([self.flag & 0xFF, self.text_type & 0xFF]) if version_2019 else bytes([self.flag & 0xFF])
        return head + gbk_encode(self.text)

    @classmethod
    def decode(cls, body: bytes, version_2019: bool) -> TextMessage:
        if version_2019:
            _need(body, 2, "文本信息下发")
            return cls(gbk_decode(body[2:]), body[0], body[1])
        _need(body, 1, "文本信息下发")
        return cls(gbk_decode(body[1:]), body[0], 1)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A message id this codec does not decode; the platform answers 0x8001 result 3 (not supported)."""

    msg_id: int
    body: bytes = field(repr=False, default=b"")

    def encode(self, version_2019: bool = False) -> bytes:
        return self.body


Message = (
    GeneralResponse
    | Heartbeat
    | Logout
    | Register
    | RegisterResponse
    | Authenticate
    | Location
    | BatchLocation
    | TextMessage
    | Unknown
)


def decode_body(header: Header, body: bytes) -> Message:
    """Complete (reassembled) body → message object. Unknown ids → `Unknown`; malformed → FrameError."""
    v = header.version_2019
    match header.msg_id:
        case 0x0001:
            return GeneralResponse.decode(body, platform=False)
        case 0x8001:
            return GeneralResponse.decode(body, platform=True)
        case 0x0002:
            return Heartbeat()
        case 0x0003:
            return Logout()
        case 0x0100:
            return Register.decode(body, v)
        case 0x8100:
            return RegisterResponse.decode(body, v)
        case 0x0102:
            return Authenticate.decode(body, v)
        case 0x0200:
            return Location.decode(body)
        case 0x0704:
            return BatchLocation.decode(body)
        case 0x8300:
            return TextMessage.decode(body, v)
    return Unknown(header.msg_id, body)
