"""Property tests of the JT/T 808 codec: encode → decode round trips for every message in both editions
(2013: BCD[6] phone; 2019: version flag, protocol version, BCD[10] phone — chapter 4 / 4.4.3), the stream
splitter under arbitrary chunking (4.4.2), and a decoder fuzz that raises nothing but FrameError."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from teis.dispatch.jt808 import (
    Authenticate,
    BatchLocation,
    FrameError,
    FrameSplitter,
    GeneralResponse,
    Heartbeat,
    Location,
    Logout,
    Reassembler,
    Register,
    RegisterResponse,
    TextMessage,
    Unknown,
    decode_body,
    decode_frame,
    encode_frame,
    encode_frames,
)
from teis.dispatch.jt808.framing import GMT8
from teis.dispatch.jt808.location import ITEM_FORMATS, encode_item
from teis.dispatch.jt808.messages import REGISTER_WIDTHS

word = st.integers(0, 0xFFFF)
byte = st.integers(0, 0xFF)
dword = st.integers(0, 0xFFFFFFFF)
gbk_text = st.text(st.characters(codec="gbk", exclude_characters="\x00"), max_size=40).filter(
    lambda s: s.encode("gbk", errors="ignore").decode("gbk") == s
)
ascii_field = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=5)
fix_time = st.datetimes(datetime.datetime(2000, 1, 1), datetime.datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=GMT8)
)
phone_2013 = st.from_regex(r"\A[0-9]{12}\Z")
phone_2019 = st.from_regex(r"\A[0-9]{20}\Z")
item = st.one_of(
    st.sampled_from(sorted(ITEM_FORMATS)).flatmap(
        lambda i: st.integers(0, 255 if ITEM_FORMATS[i][1] == ">B" else 0xFFFF).map(
            lambda v, i=i: (i, encode_item(i, v * ITEM_FORMATS[i][2]))
        )
    ),
    st.tuples(st.integers(0x40, 0xFF), st.binary(max_size=20)),
)


@st.composite
def locations(draw):
    items = dict(draw(st.lists(item, max_size=6)))
    return Location(
        draw(dword),
        draw(dword),
        draw(st.integers(0, 90_000_000)),
        draw(st.integers(0, 180_000_000)),
        draw(word),
        draw(word),
        draw(st.integers(0, 359)),
        draw(fix_time),
        items,
    )


def register(v2019: bool):
    maker_w, model_w, tid_w = REGISTER_WIDTHS[v2019]
    char = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
    return st.builds(
        Register,
        word,
        word,
        st.text(char, max_size=maker_w),
        st.text(char, max_size=model_w),
        st.text(char, max_size=tid_w),
        byte,
        gbk_text,
    )


def messages(v2019: bool):
    return st.one_of(
        st.builds(GeneralResponse, word, word, byte, st.booleans()),
        st.just(Heartbeat()),
        st.just(Logout()),
        register(v2019),
        st.builds(RegisterResponse, word, st.just(0), gbk_text),
        st.builds(RegisterResponse, word, st.integers(1, 4), st.just("")),
        st.builds(
            Authenticate,
            gbk_text,
            ascii_field if v2019 else st.just(""),
            ascii_field if v2019 else st.just(""),
        ),
        locations(),
        st.builds(BatchLocation, st.integers(0, 1), st.lists(locations(), max_size=25).map(tuple)),
        st.builds(TextMessage, gbk_text, byte, byte if v2019 else st.just(1)),
    )


@given(st.booleans().flatmap(lambda v: st.tuples(st.just(v), messages(v), phone_2019 if v else phone_2013, word)))
def test_every_message_round_trips(case):
    v2019, message, phone, serial = case
    body = message.encode(v2019)
    frames = encode_frames(message.msg_id, phone, serial, body, version_2019=v2019)
    r = Reassembler()
    complete = [p for p in (r.add(decode_frame(f)) for f in frames) if p is not None]
    assert len(complete) == 1
    header = complete[0].header
    assert (header.msg_id, header.phone, header.serial, header.version_2019) == (message.msg_id, phone, serial, v2019)
    decoded = decode_body(header, complete[0].body)
    if isinstance(message, Authenticate) and v2019:
        message = Authenticate(message.auth_code, message.imei.strip(), message.software_version.strip())
    assert decoded == message


@given(st.binary(max_size=400))
def test_decoder_fuzz_raises_only_frame_error(data):
    try:
        packet = decode_frame(data)
        decode_body(packet.header, packet.body)
    except FrameError:
        pass


@given(st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=120)), min_size=1, max_size=5), st.data())
def test_mutated_valid_frames_raise_only_frame_error(bodies, data):
    for msg_id, body in bodies:
        raw = bytearray(encode_frame(msg_id, "013800138000", 1, body))
        for _ in range(data.draw(st.integers(1, 4))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            raw[pos] = data.draw(byte)
        cut = data.draw(st.integers(1, len(raw)))
        try:
            packet = decode_frame(bytes(raw[:cut]))
            message = decode_body(packet.header, packet.body)
            assert message is not None
        except FrameError:
            pass


@given(
    st.lists(st.binary(max_size=60), min_size=1, max_size=8),
    st.lists(st.integers(1, 50), min_size=1, max_size=30),
    st.binary(max_size=30),
)
def test_splitter_yields_the_same_frames_whatever_the_chunking(bodies, cuts, garbage):
    frames = [encode_frame(0x0900, "013800138000", i, b) for i, b in enumerate(bodies)]
    stream = garbage.replace(b"\x7e", b"") + b"".join(frames)
    splitter = FrameSplitter(max_frame=300)
    got, pos, i = [], 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        got += splitter.feed(stream[pos : pos + step])
        pos += step
        i += 1
        assert splitter.buffered <= 300
    assert [decode_frame(f).body for f in got] == bodies


@given(st.binary(max_size=3000), st.integers(1, 500))
def test_splitter_never_buffers_more_than_its_maximum(stream, chunk):
    splitter = FrameSplitter(max_frame=100)
    for pos in range(0, len(stream), chunk):
        for f in splitter.feed(stream[pos : pos + chunk]):
            assert len(f) <= 100
        assert splitter.buffered <= 100


def test_unknown_round_trip():
    frame = encode_frame(0x0F01, "013800138000", 3, b"\x01\x02")
    packet = decode_frame(frame)
    assert decode_body(packet.header, packet.body) == Unknown(0x0F01, b"\x01\x02")
