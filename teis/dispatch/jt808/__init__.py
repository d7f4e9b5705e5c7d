"""JT/T 808-2013 / 2019 platform side: codec (framing, header, messages, location, reassembly — pure Python, no
Django), the asyncio gateway (`gateway`), its Django sink (`sink`) and the terminal simulator (`simulator`)."""

from .framing import FrameError, FrameSplitter, check_code, escape, unescape, unwrap, wrap
from .header import Header, Packet, build_packet, decode_frame, encode_frame, encode_frames, parse_packet
from .location import BatchLocation, Location, encode_item
from .messages import (
    Authenticate,
    GeneralResponse,
    Heartbeat,
    Logout,
    Register,
    RegisterResponse,
    TextMessage,
    Unknown,
    decode_body,
)
from .reassembly import Reassembler

__all__ = [
    "Authenticate",
    "BatchLocation",
    "FrameError",
    "FrameSplitter",
    "GeneralResponse",
    "Header",
    "Heartbeat",
    "Location",
    "Logout",
    "Packet",
    "Reassembler",
    "Register",
    "RegisterResponse",
    "TextMessage",
    "Unknown",
    "build_packet",
    "check_code",
    "decode_body",
    "decode_frame",
    "encode_frame",
    "encode_frames",
    "encode_item",
    "escape",
    "parse_packet",
    "unescape",
    "unwrap",
    "wrap",
]
