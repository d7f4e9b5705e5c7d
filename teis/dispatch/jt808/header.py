"""JT/T 808 message header (2013 clause 4.4.3 消息头; 2019 the same clause with the version fields) and frames.

2013 header: message id WORD, body properties WORD, terminal phone BCD[6], serial WORD, [package total WORD,
package index WORD]. 2019 adds the version flag (body properties bit 14) and a protocol version BYTE after the
body properties, and the phone becomes BCD[10]. Body properties: bits 0–9 body length (≤ 1023), bits 10–12
encryption (bit 10 = RSA), bit 13 sub-package, bit 14 version flag, bit 15 reserved.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .framing import FrameError, bcd_encode, phone_decode, unescape, unwrap, wrap

MAX_BODY = 1023
PHONE_WIDTH_2013 = 6
PHONE_WIDTH_2019 = 10
PROTOCOL_VERSION_2019 = 1  # 2019 header: 协议版本号, the first version being 1


@dataclass(frozen=True, slots=True)
class Header:
    msg_id: int
    phone: str  # BCD digits as sent (12 in 2013, 20 in 2019); nibbles A–F as lower-case a–f (`phone_decode`)
    serial: int
    body_length: int = 0
    encryption: int = 0  # bits 10–12; 0 = none, 1 = RSA
    version_2019: bool = False
    protocol_version: int = 0  # 2019 only
    sub_total: int = 0  # 0 = not sub-packaged
    sub_index: int = 0  # 1-based

    @property
    def is_subpackage(self) -> bool:
        return self.sub_total > 0


@dataclass(frozen=True, slots=True)
class Packet:
    header: Header
    body: bytes


def parse_packet(raw: bytes) -> Packet:
    """Unescaped header+body (check code already verified and removed) → Packet. Raises FrameError."""
    if len(raw) < 4:
        raise FrameError("truncated", "消息头不完整")
    msg_id, props = struct.unpack_from(">HH", raw, 0)
    length = props & 0x03FF
    encryption = (props >> 10) & 0x07
    sub = bool(props & 0x2000)
    v2019 = bool(props & 0x4000)
    pos = 4
    protocol_version = 0
    if v2019:
        if len(raw) < pos + 1 + PHONE_WIDTH_2019 + 2:
            raise FrameError("truncated", "消息头不完整")
        protocol_version = raw[pos]
        pos += 1
        width = PHONE_WIDTH_2019
    else:
        width = PHONE_WIDTH_2013
        if len(raw) < pos + width + 2:
            raise FrameError("truncated", "消息头不完整")
    phone = phone_decode(raw[pos : pos + width])
    pos += width
    (serial,) = struct.unpack_from(">H", raw, pos)
    pos += 2
    sub_total = sub_index = 0
    if sub:
        if len(raw) < pos + 4:
            raise FrameError("truncated", "分包项不完整")
        sub_total, sub_index = struct.unpack_from(">HH", raw, pos)
        pos += 4
        if sub_total < 1 or not 1 <= sub_index <= sub_total:
            raise FrameError("subpackage", f"分包序号无效 {sub_index}/{sub_total}")
    body = raw[pos:]
    if len(body) != length:
        raise FrameError("length", f"消息体长度 {len(body)} 与属性中的 {length} 不符")
    header = Header(msg_id, phone, serial, length, encryption, v2019, protocol_version, sub_total, sub_index)
    return Packet(header, body)


def build_packet(
    msg_id: int,
    phone: str,
    serial: int,
    body: bytes = b"",
    *,
    version_2019: bool = False,
    protocol_version: int = PROTOCOL_VERSION_2019,
    encryption: int = 0,
    sub_total: int = 0,
    sub_index: int = 0,
) -> bytes:
    """Header+body, unescaped and without check code."""
    if len(body) > MAX_BODY:
        raise FrameError("length", f"消息体 {len(body)} 字节超过 {MAX_BODY}，须分包")
    props = len(body) | (encryption & 0x07) << 10
    if sub_total:
        props |= 0x2000
    if version_2019:
        props |= 0x4000
        head = struct.pack(">HHB", msg_id, props, protocol_version) + bcd_encode(phone, PHONE_WIDTH_2019)
    else:
        head = struct.pack(">HH", msg_id, props) + bcd_encode(phone, PHONE_WIDTH_2013)
    head += struct.pack(">H", serial & 0xFFFF)
    if sub_total:
        head += struct.pack(">HH", sub_total, sub_index)
    return head + body


def encode_frame(msg_id: int, phone: str, serial: int, body: bytes = b"", **options) -> bytes:
    """One complete frame on the wire (flags, escaping, check code)."""
    return wrap(build_packet(msg_id, phone, serial, body, **options))


def encode_frames(
    msg_id: int, phone: str, first_serial: int, body: bytes, *, part_size: int = MAX_BODY, **options
) -> list[bytes]:
    """A body of any size → frames; sub-packaged (bit 13, total/index, consecutive serials) when it exceeds
    `part_size` bytes (4.4.3: each sub-package carries its own serial)."""
    if len(body) <= part_size:
        return [encode_frame(msg_id, phone, first_serial, body, **options)]
    parts = [body[i : i + part_size] for i in range(0, len(body), part_size)]
    return [
        encode_frame(msg_id, phone, (first_serial + i) & 0xFFFF, part, sub_total=len(parts), sub_index=i + 1, **options)
        for i, part in enumerate(parts)
    ]


def decode_frame(frame: bytes) -> Packet:
    """A frame from the wire (escaped, flags optional) → Packet. Raises only FrameError."""
    return parse_packet(unwrap(frame))


def peek_header(frame: bytes) -> Header | None:
    """The header of a frame whose check code failed, when it is otherwise readable (to answer 消息有误)."""
    try:
        return parse_packet(unescape(frame.strip(b"\x7e"))[:-1]).header
    except (FrameError, IndexError):
        return None


def phone_key(phone: str) -> str:
    """Terminal phones compare without their BCD padding (2013 pads to 12 digits, 2019 to 20)."""
    return phone.lstrip("0") or "0"
