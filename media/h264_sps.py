"""The picture size in an H.264 keyframe's sequence parameter set (ITU-T H.264 §7.3.2.1.1).

A Matroska file must state its picture size before the first frame; VP8 says it in a fixed
header (``media.codecs.vp8_size``), H.264 only inside the SPS, in Exp-Golomb codes. Reading
those few fields is cheaper and safer than decoding a frame to learn two numbers.
"""
from __future__ import annotations

# Profiles whose SPS carries chroma format, bit depths and scaling matrices.
_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})
_SPS = 7


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def bit(self) -> int:
        byte = self.pos >> 3
        if byte >= len(self.data):
            raise ValueError("SPS ended early")
        value = (self.data[byte] >> (7 - (self.pos & 7))) & 1
        self.pos += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("Exp-Golomb code too long")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


def _unescape(nal: bytes) -> bytes:
    """Drop the emulation-prevention bytes (``00 00 03`` → ``00 00``)."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last = scale = 8
    for _ in range(size):
        if scale:
            scale = (last + bits.se() + 256) % 256
        last = scale or last


def sps_size(sps: bytes) -> tuple[int, int]:
    """Width and height of one SPS NAL unit (header byte included), cropping applied."""
    bits = _Bits(_unescape(sps[1:]))
    profile = bits.bits(8)
    bits.bits(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    chroma = 1
    if profile in _HIGH_PROFILES:
        chroma = bits.ue()
        if chroma == 3:
            bits.bit()  # separate_colour_plane_flag
        bits.ue()
        bits.ue()  # bit depths
        bits.bit()  # qpprime_y_zero_transform_bypass_flag
        if bits.bit():  # seq_scaling_matrix_present_flag
            for index in range(8 if chroma != 3 else 12):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if index < 6 else 64)
    bits.ue()  # log2_max_frame_num_minus4
    order_type = bits.ue()
    if order_type == 0:
        bits.ue()
    elif order_type == 1:
        bits.bit()
        bits.se()
        bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue()  # max_num_ref_frames
    bits.bit()  # gaps_in_frame_num_value_allowed_flag
    width_mbs = bits.ue() + 1
    height_units = bits.ue() + 1
    frame_mbs_only = bits.bit()
    if not frame_mbs_only:
        bits.bit()  # mb_adaptive_frame_field_flag
    bits.bit()  # direct_8x8_inference_flag
    left = right = top = bottom = 0
    if bits.bit():  # frame_cropping_flag
        left, right, top, bottom = bits.ue(), bits.ue(), bits.ue(), bits.ue()
    field_factor = 2 - frame_mbs_only
    crop_x = 1 if chroma in (0, 3) else 2
    crop_y = field_factor * (2 if chroma == 1 else 1)
    width = width_mbs * 16 - crop_x * (left + right)
    height = field_factor * height_units * 16 - crop_y * (top + bottom)
    if width <= 0 or height <= 0:
        raise ValueError("SPS crops the whole picture")
    return width, height


def h264_size(data: bytes) -> tuple[int, int] | None:
    """The size from the first SPS in an Annex-B access unit, or None (no SPS, or unreadable)."""
    start = data.find(b"\x00\x00\x01")
    while start != -1 and start + 3 < len(data):
        end = data.find(b"\x00\x00\x01", start + 3)
        nal = data[start + 3: end if end != -1 else len(data)]
        if nal and nal[0] & 0x1F == _SPS:
            try:
                return sps_size(nal.rstrip(b"\x00"))
            except ValueError:
                return None
        start = end
    return None
